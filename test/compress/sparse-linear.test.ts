import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constant, noGrad } from '../../src/autograd/variable.js';
import { loadNative } from '../../src/backend/native/binding.js';
import { findLayers } from '../../src/compress/layers.js';
import { projectNm } from '../../src/compress/nm-sparsity.js';
import { packModelNm } from '../../src/compress/nxm-apply.js';
import { fakeQuantRows, type NxmSpec } from '../../src/compress/nxm-spec.js';
import {
  packSparse,
  SparseQuantizedLinear,
  sparseLinear,
  sparseLinearReference,
} from '../../src/compress/sparse-linear.js';
import { f32Data } from '../../src/compress/tensor-data.js';
import { Rng } from '../../src/core/rng.js';
import { tensor } from '../../src/tensor/creation.js';
import { TinyEncoder } from './tiny-model.js';

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** Dense reference: x · Ŵᵀ + b with Ŵ the N:M projection rounded per row. */
function dense(
  w: Float32Array,
  x: Float32Array,
  rows: number,
  out: number,
  k: number,
  s: NxmSpec,
  bias: Float32Array,
) {
  const q = fakeQuantRows(projectNm(w, k, s), out, k, s.bits);
  const y = new Float32Array(rows * out);
  for (let t = 0; t < rows; t++)
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let j = 0; j < k; j++) acc += q[o * k + j]! * x[t * k + j]!;
      y[t * out + o] = acc + bias[o]!;
    }
  return y;
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  assert.ok(worst < tol, `${what}: worst relative error ${worst}`);
}

const specs: NxmSpec[] = [
  { n: 2, m: 4, bits: 8 },
  { n: 2, m: 4, bits: 4 },
  { n: 1, m: 4, bits: 8 },
  { n: 3, m: 8, bits: 8 },
];

describe('packed N:M sparse linear', () => {
  it('2:4 by hand: codes, 2-bit positions, per-row scale', () => {
    const w = Float32Array.from([0.1, -1.27, 0.5, 0.2, 0, 0, 0.635, 0]);
    const p = packSparse(w, 1, 8, { n: 2, m: 4, bits: 8 });
    // the second block keeps its first zero (ties go to the earlier index) and 0.635, in block order
    assert.deepEqual([...p.values], [-127, 50, 0, 64]);
    // positions 1, 2 | 0, 2 as 2-bit fields, first field in the low bits
    assert.deepEqual([...p.indices], [0b10_00_10_01]);
    assert.deepEqual([...p.scales], [Math.fround(Math.fround(1.27) / 127)]);
    const y = sparseLinearReference(p, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 1);
    const s = p.scales[0]!;
    assert.ok(Math.abs(y[0]! - s * (-127 * 2 + 50 * 3 + 0 * 5 + 64 * 7)) < 1e-5);
  });

  for (const s of specs) {
    it(`reference and kernel equal the dense rounded product (${s.n}:${s.m}, int${s.bits})`, () => {
      const [rows, out, k] = [70, 37, 96];
      const w = random(out * k, 1);
      const x = random(rows * k, 2);
      const bias = random(out, 3);
      const p = packSparse(projectNm(w, k, s), out, k, s);
      const want = dense(w, x, rows, out, k, s, bias);
      assertClose(sparseLinearReference(p, x, rows, bias), want, 1e-5, 'reference');
      assertClose(sparseLinear(p, x, rows, bias), want, 1e-5, 'kernel');
    });
  }

  it('the native kernel is present and handles 1..129 rows (chunk tails)', () => {
    const load = loadNative();
    assert.ok(load.available && typeof load.addon.gemmSparseNm === 'function', 'the addon has gemmSparseNm');
    const s: NxmSpec = { n: 2, m: 4, bits: 8 };
    const [out, k] = [33, 64];
    const p = packSparse(projectNm(random(out * k, 4), k, s), out, k, s);
    for (const rows of [1, 7, 8, 9, 64, 65, 129]) {
      const x = random(rows * k, rows);
      assertClose(sparseLinear(p, x, rows), sparseLinearReference(p, x, rows), 1e-5, `rows ${rows}`);
    }
  });

  it('SparseQuantizedLinear: forward over a batch axis, state dict, bytes', () => {
    const s: NxmSpec = { n: 2, m: 4, bits: 4 };
    const [out, k] = [16, 32];
    const w = projectNm(random(out * k, 6), k, s);
    const layer = new SparseQuantizedLinear(packSparse(w, out, k, s), tensor(random(out, 7)));
    const x = random(2 * 3 * k, 8);
    const y = layer.forward(constant(tensor(x, { shape: [2, 3, k] })));
    assert.deepEqual(y.shape, [2, 3, out]);
    assertClose(
      f32Data(y.value),
      sparseLinearReference(layer.packed(), x, 6, random(out, 7)),
      1e-5,
      'module',
    );
    const sd = layer.stateDict();
    assert.deepEqual(Object.keys(sd).sort(), ['bias', 'weight', 'weight_index', 'weight_scale']);
    assert.equal(sd.weight!.dtype, 'u8');
    assert.deepEqual(layer.bytes(), {
      fp32: 4 * out * k,
      values: (out * k) / 4,
      metadata: (out * k) / 8,
      scales: 4 * out,
    });
  });

  it('packModelNm swaps every attention / FFN Linear of a model for the packed layer', () => {
    const model = new TinyEncoder(20, 16, 2, 5);
    const ids = tensor(
      Int32Array.from({ length: 12 }, (_, i) => i % 20),
      { shape: [2, 6] },
    );
    const bytes = packModelNm(model, { n: 2, m: 4, bits: 8 });
    assert.equal(bytes.length, 12);
    assert.equal(
      findLayers(model, (m): m is SparseQuantizedLinear => m instanceof SparseQuantizedLinear).length,
      12,
    );
    const y = noGrad(() => f32Data(model.forward(ids).value));
    assert.ok(y.every(Number.isFinite));
  });
});
