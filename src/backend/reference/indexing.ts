import { forEachOffset } from '../../tensor/tensor.js';
import type { Kernel } from '../types.js';
import { offsetsOf, outerOffsets, reader, writer } from './access.js';

/** out[pre, idx..., post] = table[pre, indices[idx...], post]. Indices were range-checked by the op. */
export const gather: Kernel<'gather'> = ({ table, indices, axis, out }) => {
  const pre = table.shape.slice(0, axis);
  const post = table.shape.slice(axis + 1);
  const idx = offsetsOf(indices).map((off) => indices.data[off]!);
  const read = reader(table);
  const write = writer(out);
  const preStrides = table.strides.slice(0, axis);
  const postStrides = table.strides.slice(axis + 1);
  const axisStride = table.strides[axis]!;
  let o = out.offset;
  forEachOffset(pre, preStrides, table.offset, (preOff) => {
    for (let i = 0; i < idx.length; i++) {
      forEachOffset(post, postStrides, preOff + idx[i]! * axisStride, (off) => {
        write(o++, read(off));
      });
    }
  });
};

/** target[pre, indices[j], post] += src[pre, j, post], in place. */
export const scatterAdd: Kernel<'scatterAdd'> = ({ target, indices, src, axis }) => {
  const idx = offsetsOf(indices).map((off) => indices.data[off]!);
  const readT = reader(target);
  const readS = reader(src);
  const write = writer(target);
  const tBases = outerOffsets(target, [axis]);
  const sBases = outerOffsets(src, [axis]);
  for (let r = 0; r < tBases.length; r++) {
    for (let j = 0; j < idx.length; j++) {
      const t = tBases[r]! + idx[j]! * target.strides[axis]!;
      write(t, readT(t) + readS(sBases[r]! + j * src.strides[axis]!));
    }
  }
};
