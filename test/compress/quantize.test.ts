import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import { loadNative } from '../../src/backend/native/binding.js';
import { quantizeRowsReference, quantizeTokens } from '../../src/compress/activation-quant.js';
import { packCodes, unpackCodes } from '../../src/compress/packed-codes.js';
import { packedLinear, packedLinearReference } from '../../src/compress/packed-linear.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { roundHalfEven } from '../../src/compress/rounding.js';
import { dequantizeWeight, quantizeWeight, weightCodes } from '../../src/compress/weight-quant.js';
import { isFrugalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/ops/index.js';

const native = F.backendStatus().active.includes('native');

function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);
}

describe('rounding and packing', () => {
  it('rounds half to even like the native kernels', () => {
    assert.deepEqual(
      [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven),
      [0, 2, 2, -0, -2, -2, 2, -3],
    );
  });

  it('packs INT4 codes two per byte, low nibble first, and unpacks them back', () => {
    const codes = Int8Array.from([-8, 7, 0, -1, 3, -5]);
    const packed = packCodes(codes, 4);
    assert.deepEqual([...packed], [0x78, 0xf0, 0xb3]);
    assert.deepEqual([...unpackCodes(packed, 4)], [...codes]);
    assert.throws(
      () => packCodes(Int8Array.from([1]), 4),
      (e) => isFrugalError(e) && e.code === 'E_SHAPE',
    );
  });

  it('packs ternary codes four per byte and binary codes eight per byte', () => {
    const ternary = Int8Array.from([1, -1, 0, 1, -1, -1, 0, 0]);
    const t = packCodes(ternary, 2);
    assert.deepEqual([...t], [0b01_00_11_01, 0b00_00_11_11]);
    assert.deepEqual([...unpackCodes(t, 2)], [...ternary]);
    const binary = Int8Array.from([1, -1, -1, 1, 1, 1, -1, 1]);
    const b = packCodes(binary, 1);
    assert.deepEqual([...b], [0b10111001]);
    assert.deepEqual([...unpackCodes(b, 1)], [...binary]);
    assert.throws(
      () => packCodes(Int8Array.from([0, 1, 1, 1, 1, 1, 1, 1]), 1),
      (e) => isFrugalError(e) && e.code === 'E_ARG',
    );
  });
});

describe('group-wise weight quantization', () => {
  it('gives the hand-computed codes and scales', () => {
    // Row 0, group [1, -0.5]: scale 1/127; group [0.25, 0.125]: scale 0.25/127.
    const w = F.tensor([
      [1, -0.5, 0.25, 0.125],
      [0, 0, -2, 1],
    ]);
    const q = quantizeWeight(w, { bits: 8, groupSize: 2 });
    assert.deepEqual([...weightCodes(q)], [127, -64, 127, 64, 0, 0, -127, 64]);
    assert.deepEqual(q.scales.toFlatArray(), [1 / 127, 0.25 / 127, 0, 2 / 127].map(Math.fround));
    const q4 = quantizeWeight(w, { bits: 4, groupSize: 4 });
    assert.deepEqual(q4.codes.shape, [2, 2]);
    assert.deepEqual([...weightCodes(q4)], [7, -4, 2, 1, 0, 0, -7, 4]);
    w.dispose();
  });

  for (const bits of [8, 4] as const) {
    it(`INT${bits}: every dequantized weight is within half a step of its group's scale`, () => {
      const w = F.tensor(randomF32(32 * 64, bits), { shape: [32, 64] });
      const q = quantizeWeight(w, { bits, groupSize: 16 });
      const back = dequantizeWeight(q).toFloat32Array();
      const orig = w.toFloat32Array();
      const scales = q.scales.toFloat32Array();
      for (let i = 0; i < orig.length; i++) {
        const s = scales[Math.floor(i / 64) * 4 + Math.floor((i % 64) / 16)]!;
        assert.ok(Math.abs(back[i]! - orig[i]!) <= s / 2 + 1e-7, `weight ${i}`);
      }
      for (const t of [w, q.codes, q.scales]) t.dispose();
    });
  }

  it('XTC ternary: threshold 0.7 mean|w|, scale = mean |w| of the kept entries; binary: sign and mean|w|', () => {
    // mean|w| = 0.5, threshold 0.35: 1, -0.6, 0.4 and 1.4 are kept; scale = their mean |w| = 0.85.
    const w = F.tensor([[1, -0.6, 0.1, 0, -0.3, 0.4, 0.2, 1.4]]);
    const t = quantizeWeight(w, { bits: 2 });
    assert.deepEqual([...weightCodes(t)], [1, -1, 0, 0, 0, 1, 0, 1]);
    assert.equal(t.scales.item(), Math.fround((1 + 0.6 + 0.4 + 1.4) / 4));
    assert.deepEqual(t.codes.shape, [1, 2]);
    const b = quantizeWeight(w, { bits: 1 });
    assert.deepEqual([...weightCodes(b)], [1, -1, 1, 1, -1, 1, 1, 1]);
    assert.equal(b.scales.item(), Math.fround(4 / 8));
    assert.deepEqual(b.codes.shape, [1, 1]);
    w.dispose();
  });

  it('names the field when the group size does not divide the width', () => {
    const w = F.randn([4, 12], { seed: 1 });
    assert.throws(
      () => quantizeWeight(w, { bits: 8, groupSize: 5 }, 'blocks.0.attn.q'),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG' && /blocks\.0\.attn\.q/.test(e.message),
    );
    assert.throws(
      () => quantizeWeight(w, { bits: 4, groupSize: 3 }),
      (e) => isFrugalError(e) && e.code === 'E_CONFIG',
    );
    w.dispose();
  });
});

describe('token-wise activation quantization', () => {
  it('scales each row by its own max and matches the reference bit for bit', () => {
    const rows = 37;
    const cols = 75; // not a multiple of the 32-wide vector loop
    const x = randomF32(rows * cols, 3, 4);
    x.fill(0, 5 * cols, 6 * cols);
    x[7 * cols + 3] = 100;
    const ref = quantizeRowsReference(x, rows, cols);
    assert.equal(ref.scales[5], 0);
    assert.equal(ref.scales[7], Math.fround(100 / 127));
    const got = quantizeTokens(F.tensor(x, { shape: [rows, cols] }));
    assert.deepEqual([...got.codes.data], [...ref.codes]);
    assert.deepEqual([...got.scales.data], [...ref.scales]);
    for (let i = 0; i < x.length; i++) {
      const s = ref.scales[Math.floor(i / cols)]!;
      assert.ok(Math.abs(ref.codes[i]! * s - x[i]!) <= s / 2 + 1e-6);
    }
  });
});

describe('native row quantization at every ISA level', () => {
  const load = loadNative();
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    it(`${isa}: quantizeRowsI8 and quantizeRowsU8 equal the reference at widths around the vector blocks`, {
      skip: !load.available,
    }, () => {
      assert.ok(load.available);
      const { addon } = load;
      addon.setIsaMax(isa);
      try {
        for (const cols of [1, 15, 16, 17, 64, 75, 200, 256]) {
          const rows = 5;
          const x = randomF32(rows * cols, cols, 3);
          x.fill(0, cols, 2 * cols);
          const ref = quantizeRowsReference(x, rows, cols);
          const i8 = new Int8Array(rows * cols);
          const u8 = new Uint8Array(rows * cols + 3).fill(7);
          const scales = new Float32Array(rows);
          const scalesU8 = new Float32Array(rows);
          addon.quantizeRowsI8(rows, cols, x, 0, i8, 0, scales, 0);
          addon.quantizeRowsU8(rows, cols, x, 0, u8, 0, scalesU8, 0);
          assert.deepEqual([...i8], [...ref.codes], `i8 codes, cols ${cols}`);
          assert.deepEqual(
            [...u8.subarray(0, rows * cols)],
            [...ref.codes].map((c) => (c + 128) & 255),
            `u8 codes, cols ${cols}`,
          );
          assert.deepEqual([...u8.subarray(rows * cols)], [7, 7, 7], 'nothing written past the rows');
          assert.deepEqual([...scales], [...ref.scales], `scales, cols ${cols}`);
          assert.deepEqual([...scalesU8], [...ref.scales], `u8 scales, cols ${cols}`);
        }
      } finally {
        addon.setIsaMax('avx512');
      }
    });
  }
});

describe('packed low-bit GEMM', () => {
  for (const bits of [4, 2, 1] as const) {
    it(`${bits}-bit weights: ${native ? 'native gemmPacked' : 'packedLinear'} equals the TypeScript reference and the INT8 GEMM`, () => {
      const [m, n, k, g] = [13, 37, 96, 32];
      const a = F.tidy(() => quantizeTokens(F.tensor(randomF32(m * k, 5), { shape: [m, k] })));
      const w = quantizeWeight(F.tensor(randomF32(n * k, 6), { shape: [n, k] }), { bits, groupSize: g });
      const bias = F.tensor(randomF32(n, 7));
      const args = { a: a.codes, scaleA: a.scales, w: w.codes, scaleW: w.scales, groupSize: g, bias };
      const out = packedLinear({ ...args, bits }).toFloat32Array();
      const ref = packedLinearReference({
        bits,
        m,
        n,
        k,
        a: a.codes.data as Int8Array,
        scaleA: a.scales.data as Float32Array,
        w: w.codes.data as Uint8Array,
        scaleW: w.scales.data as Float32Array,
        groupSize: g,
        bias: bias.data as Float32Array,
      });
      for (let i = 0; i < ref.length; i++)
        assert.ok(Math.abs(out[i]! - ref[i]!) <= 1e-5 * (1 + Math.abs(ref[i]!)), `out ${i}`);
      const w8 = F.tensor(weightCodes(w), { shape: [n, k] });
      const v = F.quantizedLinear({ ...args, w: w8 }).toFloat32Array();
      for (let i = 0; i < ref.length; i++)
        assert.ok(Math.abs(v[i]! - ref[i]!) <= 1e-4 * (1 + Math.abs(ref[i]!)));
    });
  }
});

describe('QuantizedLinear', () => {
  for (const bits of [8, 4] as const) {
    it(`W${bits}A8 output tracks the f32 Linear`, () => {
      const lin = new nn.Linear(64, 48, { seed: 11 });
      const x = A.constant(F.randn([2, 5, 64], { seed: 12 }));
      const want = F.tidy(() => lin.forward(x).value.toFloat32Array());
      const q = QuantizedLinear.fromLinear(lin, { bits, groupSize: 32 });
      const y = q.forward(x);
      assert.deepEqual(y.shape, [2, 5, 48]);
      const got = y.value.toFloat32Array();
      let err = 0;
      let norm = 0;
      for (let i = 0; i < want.length; i++) {
        err += (got[i]! - want[i]!) ** 2;
        norm += want[i]! ** 2;
      }
      const rel = Math.sqrt(err / norm);
      assert.ok(rel < (bits === 8 ? 0.02 : 0.15), `relative error ${rel}`);
      assert.equal(q.byteSize(), (bits === 8 ? 48 * 64 : 48 * 32) + 4 * 48 * 2 + 4 * 48);
      assert.deepEqual(
        q.namedParameters().map(([n, p]) => [n, p.value.dtype, p.requiresGrad]),
        [
          ['weight', bits === 8 ? 'i8' : 'u8', false],
          ['weight_scale', 'f32', false],
          ['bias', 'f32', false],
        ],
      );
    });
  }
});
