/**
 * Byte-level BPE on the Python corpus: training time, compression (bytes per token on held-out
 * files) and encoding speed per vocabulary size. No peer runs beside it: no BPE trainer for Node
 * installs offline here, so the rows are Frugal's alone.
 */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { median } from '../src/core/timing.js';
import { loadPythonStdlibSplit, trainBpe } from '../src/data/index.js';
import type { BenchContext } from './harness.js';

export default async function bpe(ctx: BenchContext): Promise<void> {
  const py = loadPythonStdlibSplit({ seed: 0 });
  const train: string[] = [];
  let bytes = 0;
  for (const f of py.train) {
    if (bytes >= 1_000_000) break;
    train.push(f.text);
    bytes += Buffer.byteLength(f.text);
  }
  const test = py.test.map((f) => f.text);
  const testBytes = test.reduce((s, t) => s + Buffer.byteLength(t), 0);
  ctx.note(`train: ${train.length} files, ${bytes} bytes; test: ${test.length} files, ${testBytes} bytes`);
  for (const vocabSize of ctx.quick ? [1024] : [1024, 4096, 8192]) {
    const times: number[] = [];
    let tok = trainBpe(train, { vocabSize, specialTokens: ['<|endoftext|>'] });
    for (let r = 0; r < ctx.reps; r++) {
      const t0 = performance.now();
      tok = trainBpe(train, { vocabSize, specialTokens: ['<|endoftext|>'] });
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const ids = test.map((t) => tok.encode(t));
    const encodeSeconds = (performance.now() - t0) / 1000;
    const tokens = ids.reduce((s, x) => s + x.length, 0);
    const kase = `python-stdlib 1MB vocab=${vocabSize}`;
    ctx.emit({ case: kase, impl: 'frugal', metric: 'train_ms', value: median(times), unit: 'ms' });
    ctx.emit({
      case: kase,
      impl: 'frugal',
      metric: 'bytes_per_token',
      value: testBytes / tokens,
      unit: 'B/token',
    });
    ctx.emit({
      case: kase,
      impl: 'frugal',
      metric: 'encode',
      value: testBytes / 1e6 / encodeSeconds,
      unit: 'MB/s',
    });
  }
}
