import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
} from '../../src/models/safetensors.js';
import * as F from '../../src/ops/index.js';

/** A safetensors file built by hand: header JSON, then the given data bytes. */
function handMade(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const ioError = (field?: string) => (e: unknown) =>
  isFrugalError(e) && e.code === 'E_IO' && (field === undefined || e.details.field === field);

describe('safetensors', () => {
  it('reads a file laid out by hand (as written by the reference implementation)', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer.slice(0));
    const i64 = new Uint8Array(new BigInt64Array([5n, -6n]).buffer);
    const bytes = handMade(
      {
        __metadata__: { format: 'pt' },
        w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        ids: { dtype: 'I64', shape: [2], data_offsets: [16, 32] },
      },
      new Uint8Array([...data, ...i64]),
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(tensors.w!.toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(tensors.ids!.dtype, 'i32');
    assert.deepEqual(tensors.ids!.toFlatArray(), [5, -6]);
  });

  it('round-trips every dtype, views and metadata; the data section is 8-byte aligned', async () => {
    const x = F.tensor([
      [1.5, -2],
      [3, 4.25],
    ]);
    const tensors = {
      f32: x,
      view: x.transpose(),
      bf16: F.tensor([1, -0.5], { dtype: 'bf16' }),
      f16: F.tensor([0.25, 8], { dtype: 'f16' }),
      i8: F.tensor([-3, 7], { dtype: 'i8' }),
      u8: F.tensor([200], { dtype: 'u8' }),
      i32: F.tensor([123456789], { dtype: 'i32' }),
      bool: F.tensor([true, false]),
      empty: F.zeros([0, 3]),
    };
    const bytes = encodeSafetensors(tensors, { step: '7' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLength) % 8, 0);
    const path = join(mkdtempSync(join(tmpdir(), 'frugal-st-')), 'model.safetensors');
    await writeSafetensors(path, tensors, { step: '7' });
    const back = await readSafetensors(path);
    assert.deepEqual(back.metadata, { step: '7' });
    for (const [name, t] of Object.entries(tensors)) {
      assert.equal(back.tensors[name]!.dtype, t.dtype, name);
      assert.deepEqual(back.tensors[name]!.shape, t.shape, name);
      assert.deepEqual(back.tensors[name]!.toFlatArray(), t.toFlatArray(), name);
    }
  });

  it('names the file and the tensor when a file is corrupt or truncated', async () => {
    const good = encodeSafetensors({ a: F.tensor([1, 2, 3]), b: F.tensor([4, 5]) });
    const dir = mkdtempSync(join(tmpdir(), 'frugal-st-'));
    const path = join(dir, 'cut.safetensors');
    writeFileSync(path, good.subarray(0, good.length - 3));
    await assert.rejects(
      readSafetensors(path),
      (e: unknown) => ioError('b')(e) && (e as Error).message.includes(path),
    );
    assert.throws(() => decodeSafetensors(good.subarray(0, 5)), ioError());
    assert.throws(() => decodeSafetensors(good.subarray(0, 20)), ioError());
    const garbage = good.slice();
    garbage[9] = 0x7b;
    garbage[10] = 0x7b;
    assert.throws(() => decodeSafetensors(garbage), ioError());
    const badShape = handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    assert.throws(() => decodeSafetensors(badShape), ioError('a'));
    const badDtype = handMade({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
    assert.throws(() => decodeSafetensors(badDtype), ioError('a'));
    await assert.rejects(readSafetensors(join(dir, 'missing.safetensors')), ioError());
  });
});
