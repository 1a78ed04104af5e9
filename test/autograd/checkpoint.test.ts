import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as A from '../../src/autograd/index.js';
import * as F from '../../src/ops/index.js';

const LAYERS = 8;
const DIM = 32;
const BATCH = 64;

/** One step of an MLP stack; returns the peak extra bytes, the loss and the gradients. */
function step(useCheckpoint: boolean) {
  const ws = Array.from({ length: LAYERS }, (_, i) =>
    A.param(F.randn([DIM, DIM], { seed: 10 + i, std: 1 / Math.sqrt(DIM) })),
  );
  const x = A.constant(F.randn([BATCH, DIM], { seed: 1 }));
  const segment = (h: A.Variable, i: number) => A.gelu(A.matmul(A.tanh(A.matmul(h, ws[i]!)), ws[i + 1]!));
  const { peakBytes, result: loss } = F.measurePeakMemory(() => {
    const loss = F.tidy(() => {
      let h = x;
      for (let i = 0; i < LAYERS; i += 2) {
        const at = i;
        h = useCheckpoint ? A.checkpoint((v) => segment(v, at), h) : segment(h, at);
      }
      return A.mean(A.mul(h, h));
    });
    loss.backward();
    return loss;
  });
  const grads = ws.map((w) => w.grad!.toFlatArray());
  const value = loss.value.item();
  for (const v of [...ws, x, loss]) v.dispose();
  return { peakBytes, value, grads };
}

describe('activation checkpointing', () => {
  it('gives the same gradients with a lower peak of memory', (t) => {
    const start = F.memoryInfo().liveBytes;
    const plain = step(false);
    const ckpt = step(true);
    assert.equal(ckpt.value, plain.value);
    assert.deepEqual(ckpt.grads, plain.grads);
    const act = BATCH * DIM * 4;
    // Plain keeps ~3 activations per layer pair alive into backward; checkpointing keeps one.
    assert.ok(
      ckpt.peakBytes < plain.peakBytes - 4 * act,
      `checkpoint peak ${ckpt.peakBytes} vs plain ${plain.peakBytes}`,
    );
    t.diagnostic(`peak bytes: plain ${plain.peakBytes}, checkpointed ${ckpt.peakBytes}`);
    assert.equal(F.memoryInfo().liveBytes, start, 'nothing leaks in either mode');
  });

  it('runs the function directly when nothing needs a gradient', () => {
    const x = A.constant(F.tensor([1, 2]));
    let calls = 0;
    const y = A.checkpoint((v) => {
      calls++;
      return A.exp(v);
    }, x);
    assert.equal(calls, 1);
    assert.equal(y.requiresGrad, false);
    x.dispose();
    y.dispose();
  });

  it('frees its saved inputs when the graph is dropped without backward', () => {
    const start = F.memoryInfo().liveBytes;
    const w = A.param(F.randn([4, 4], { seed: 2 }));
    const x = A.param(F.randn([2, 4], { seed: 3 }));
    const y = F.tidy(() => A.checkpoint((v) => A.tanh(A.matmul(v, w)), x));
    assert.ok(y.requiresGrad);
    y.dispose();
    w.dispose();
    x.dispose();
    assert.equal(F.memoryInfo().liveBytes, start);
  });
});
