import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import { distillQuantize } from '../../src/compress/lkd.js';
import { quantizeModel } from '../../src/compress/quantize-model.js';
import { QuantizedLinear } from '../../src/compress/quantized-linear.js';
import { isFrugalError } from '../../src/core/errors.js';
import * as F from '../../src/ops/index.js';
import { TinyEncoder, tokenIds } from './tiny-model.js';

function meanSquared(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

const ids = (seed: number) => F.tensor(tokenIds(4, 16, 50, seed), { shape: [4, 16], dtype: 'i32' });

describe('layer-by-layer distillation (LKD)', () => {
  it('W4A8: every layer ends no worse than plain rounding, most strictly better; logits closer to f32', () => {
    const calib = [ids(10), ids(11)].map((t) => F.keep(t));
    const held = F.keep(ids(12));
    const logits = (m: TinyEncoder) => noGrad(() => F.tidy(() => m.forward(held).value.toFloat32Array()));
    const f32 = new TinyEncoder(50, 64, 2, 1).eval();
    const want = logits(f32);
    const plain = new TinyEncoder(50, 64, 2, 1).eval();
    quantizeModel(plain, { weights: { bits: 4, groupSize: 32 } });
    const seen: string[] = [];
    const report = distillQuantize(f32, {
      weights: { bits: 4, groupSize: 32 },
      steps: 40,
      lr: 1e-4,
      calibrate: (m) => {
        for (const x of calib) (m as TinyEncoder).forward(x);
      },
      onLayer: (r) => seen.push(r.path),
    });
    assert.equal(report.distill.length, 12);
    assert.deepEqual(
      seen,
      report.layers.map((l) => l.path),
    );
    assert.ok(f32.blocks[1]!.mlp.down instanceof QuantizedLinear);
    assert.ok(report.distill.every((d) => d.mseAfter <= d.mseBefore));
    const improved = report.distill.filter((d) => d.mseAfter < 0.9 * d.mseBefore).length;
    assert.ok(improved >= 10, `improved layers: ${improved}`);
    const errLkd = meanSquared(logits(f32), want);
    const errPlain = meanSquared(logits(plain), want);
    assert.ok(errLkd < errPlain, `logit MSE with LKD ${errLkd}, plain rounding ${errPlain}`);
    for (const t of [...calib, held]) t.dispose();
    f32.dispose();
    plain.dispose();
  });

  it('says so when calibration never runs a layer', () => {
    const model = new TinyEncoder(50, 32, 1, 1);
    assert.throws(
      () => distillQuantize(model, { calibrate: () => undefined, steps: 1 }),
      (e) => isFrugalError(e) && e.code === 'E_ARG' && e.details.field === 'calibrate',
    );
    model.dispose();
  });
});
