/**
 * Packed INT4 storage: two signed 4-bit codes per byte, the even k index in the low nibble and the
 * odd one in the high nibble (two's complement). One byte is one k-pair of the native int8 GEMM's
 * packed layout, which is why gemmI4 can unpack straight into it.
 */
import { FrugalError } from '../core/errors.js';

export function packInt4(codes: Int8Array): Uint8Array {
  if (codes.length % 2 !== 0) {
    throw new FrugalError('E_SHAPE', `packInt4 needs an even number of codes, got ${codes.length}`, {
      op: 'packInt4',
      hint: 'INT4 rows and groups must have an even length',
    });
  }
  const out = new Uint8Array(codes.length / 2);
  for (let i = 0; i < out.length; i++) {
    const lo = codes[2 * i]!;
    const hi = codes[2 * i + 1]!;
    if (lo < -8 || lo > 7 || hi < -8 || hi > 7) {
      throw new FrugalError('E_ARG', `code ${lo < -8 || lo > 7 ? lo : hi} at ${2 * i} is outside [-8, 7]`, {
        op: 'packInt4',
      });
    }
    out[i] = (lo & 0xf) | ((hi & 0xf) << 4);
  }
  return out;
}

export function unpackInt4(packed: Uint8Array): Int8Array {
  const out = new Int8Array(packed.length * 2);
  for (let i = 0; i < packed.length; i++) {
    const b = packed[i]!;
    out[2 * i] = ((b & 0xf) << 28) >> 28;
    out[2 * i + 1] = (b << 24) >> 28;
  }
  return out;
}
