import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nativeActGrad, nativeNormGrad, nativeSoftmaxGrad } from '../../src/autograd/native-grads.js';
import { layerNormGradOps, rmsNormGradOps } from '../../src/autograd/norm-grads.js';
import { geluErfGradTs, geluTanhGradTs, siluGradTs } from '../../src/autograd/pointwise-grads.js';
import { Rng } from '../../src/core/rng.js';
import * as F from '../../src/ops/index.js';
import { assertClose, eachConfig, randomF32 } from '../backend/native/native-fixture.js';

const ACTS = [
  ['gelu_tanh', geluTanhGradTs],
  ['gelu_erf', geluErfGradTs],
  ['silu', siluGradTs],
] as const;

describe('native activation gradients against the TypeScript forms', () => {
  // Wide inputs (tails and saturation) over a length with a vector tail.
  const rng = new Rng(3);
  const n = 4099;
  const xs = randomF32(rng, n, 8);
  xs[0] = 0;
  xs[1] = -30;
  xs[2] = 30;
  const x = F.keep(F.tensor(xs));
  const g = F.keep(F.tensor(randomF32(rng, n)));
  for (const [op, oracle] of ACTS) {
    it(`${op}: g * f'(x) at every level and thread count`, (t) => {
      const want = F.tidy(() => oracle(x, g).toFloat32Array());
      eachConfig(t, (_addon, label) => {
        const got = F.tidy(() => nativeActGrad(op, x, g)!.toFloat32Array());
        assertClose(got, want, 2e-5, 2e-6, `${op} ${label}`);
      });
    });
  }
});

describe('native layer / RMS norm backward against the op-composed forms', () => {
  const shapes: [number, number][] = [
    [3, 5],
    [64, 256],
    [300, 37],
  ];
  for (const [rows, cols] of shapes) {
    for (const rms of [false, true]) {
      for (const affine of [true, false]) {
        const name = `${rms ? 'rms' : 'layer'} norm [${rows}, ${cols}]${affine ? '' : ' without gamma'}`;
        it(`${name}: dx, dgamma, dbeta at every level and thread count`, (t) => {
          const rng = new Rng(rows + cols);
          const x = F.keep(F.tensor(randomF32(rng, rows * cols, 3), { shape: [rows, cols] }));
          const g = F.keep(F.tensor(randomF32(rng, rows * cols), { shape: [rows, cols] }));
          const gamma = affine ? F.keep(F.tensor(randomF32(rng, cols, 2))) : undefined;
          const eps = 1e-5;
          const flat = (ts: (F.Tensor | null)[]) => ts.map((v) => (v ? v.toFloat32Array() : null));
          const want = F.tidy(() =>
            flat(rms ? rmsNormGradOps(x, gamma, g, eps) : layerNormGradOps(x, gamma, g, eps, affine)),
          );
          eachConfig(t, (_addon, label) => {
            const got = F.tidy(() => flat(nativeNormGrad(rms, x, gamma, g, eps, affine)!));
            want.forEach((w, i) => {
              if (w === null) assert.equal(got[i] ?? null, null, `${label} output ${i}`);
              else assertClose(got[i]!, w, 1e-4, 1e-5, `${name} ${label} output ${i}`);
            });
          });
          for (const v of [x, g, gamma]) v?.dispose();
        });
      }
    }
  }
});

describe('native softmax backward against the op-composed rule', () => {
  for (const log of [false, true]) {
    for (const [rows, cols] of [
      [7, 5],
      [256, 128],
    ] as const) {
      it(`${log ? 'log-softmax' : 'softmax'} [${rows}, ${cols}] at every level and thread count`, (t) => {
        const rng = new Rng(cols);
        const x = F.tensor(randomF32(rng, rows * cols, 4), { shape: [rows, cols] });
        const y = F.keep(log ? F.logSoftmax(x, -1) : F.softmax(x, -1));
        const g = F.keep(F.tensor(randomF32(rng, rows * cols), { shape: [rows, cols] }));
        x.dispose();
        const last = { axis: -1, keepDims: true } as const;
        const want = F.tidy(() =>
          (log
            ? F.sub(g, F.mul(F.exp(y), F.sum(g, last)))
            : F.mul(y, F.sub(g, F.sum(F.mul(g, y), last)))
          ).toFloat32Array(),
        );
        eachConfig(t, (_addon, label) => {
          const got = F.tidy(() => nativeSoftmaxGrad(log, y, g, -1)!.toFloat32Array());
          assertClose(got, want, 1e-5, 1e-6, label);
        });
        y.dispose();
        g.dispose();
      });
    }
  }
});
