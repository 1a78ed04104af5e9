import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as F from '../../src/ops/index.js';

describe('memory account', () => {
  it('counts live bytes and the high-water mark deterministically', () => {
    const start = F.memoryInfo().liveBytes;
    const { peakBytes, retainedBytes } = F.measurePeakMemory(() =>
      F.tidy(() => {
        const a = F.zeros([256]);
        const b = F.add(a, 1);
        const v = b.transpose(0, 0);
        return F.mul(v, 2);
      }),
    );
    // a, b and the result, plus the 4-byte scalar operand live while the result is computed.
    assert.equal(peakBytes, 3 * 256 * 4 + 4);
    assert.equal(retainedBytes, 256 * 4);
    assert.equal(F.memoryInfo().liveBytes, start + 256 * 4);
  });

  it('views keep storage alive until the last handle is disposed', () => {
    const before = F.memoryInfo().liveBytes;
    const a = F.zeros([100]);
    const v = a.slice(0, 10, 20);
    a.dispose();
    assert.equal(F.memoryInfo().liveBytes, before + 400);
    assert.equal(v.toFlatArray().length, 10);
    v.dispose();
    assert.equal(F.memoryInfo().liveBytes, before);
  });

  it('tidy releases intermediates but keeps kept tensors and returns', () => {
    const before = F.memoryInfo().liveBytes;
    let kept: F.Tensor | undefined;
    const out = F.tidy(() => {
      kept = F.keep(F.ones([10]));
      F.ones([1000]);
      return { y: F.ones([5]) };
    });
    assert.equal(F.memoryInfo().liveBytes, before + 60);
    kept!.dispose();
    out.y.dispose();
    assert.equal(F.memoryInfo().liveBytes, before);
  });
});
