/**
 * GEMM throughput: Frugal's native f32 and int8 GEMM against the machine's measured FMA peak, a
 * plain TypeScript loop, onnxruntime-node (MatMul / MatMulInteger), TensorFlow.js on WASM and
 * numpy/OpenBLAS, side by side, at 1 and 2 threads. Shapes are M x N x K: cubes and the BERT-base
 * layer shapes at 8 sequences of 128 tokens (M = 1024). Each figure is a median of ctx.reps runs.
 * Ratio rows: frugal/peak, t2/t1, int8/f32 (GOP/s over GFLOP/s), frugal/onnxruntime, frugal/tfjs.
 *
 * `--bert`: only the inference path on the bert-base encoder's GEMMs (prepacked weight, bias and
 * activation in the tile epilogue: linearF32Packed as nn.Linear calls it) at M = 128 and 1024 rows,
 * 1 and 2 threads, as GFLOP/s and as a fraction of the FMA peak measured at the same thread count.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadNative, type NativeAddon } from '../src/backend/native/binding.js';
import { Rng } from '../src/core/rng.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';
import { type NumpyResult, numpyMatmul } from './peers/numpy.js';
import { loadOrt, ortMatmul } from './peers/onnxruntime.js';
import { loadTfjsWasm, tfjsMatmul } from './peers/tfjs-wasm.js';

type Shape = [m: number, n: number, k: number];
/** 'throughput' is the median; 'best' the fastest sample (see timeCalls). */
type Metric = 'throughput' | 'best';
const label = ([m, n, k]: Shape) => `${m}x${n}x${k}`;

function randomF32(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() * 2 - 1;
  return out;
}

function randomI8(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256) - 128;
  return out;
}

/** The plain-TS oracle loop (i-p-j order, the fastest simple loop in JS). */
function referenceGemm(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  c.fill(0);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      const row = i * n;
      const brow = p * n;
      for (let j = 0; j < n; j++) c[row + j]! += av * b[brow + j]!;
    }
}

/**
 * Seconds per call: the median (the reported figure) and the best of `reps` samples, each sample
 * lasting >= 20 ms. On a shared machine the best sample approximates an uncontended core, which is
 * what fmaPeak (best window) measures, so the efficiency ratios are quoted both ways.
 */
async function timeCalls(fn: () => unknown, reps: number): Promise<{ median: number; best: number }> {
  await fn();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    const dt = performance.now() - t0;
    if (dt >= 20 || inner >= 1 << 16) break;
    inner = Math.max(inner * 2, Math.ceil((inner * 20) / Math.max(dt, 0.01)));
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return { median: median(samples), best: Math.min(...samples) };
}

async function errorMessage<T>(p: Promise<T>): Promise<T | string> {
  try {
    return await p;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
}

type Activation = Parameters<NativeAddon['linearF32Packed']>[8];

/**
 * bert-base's projections per layer, [n, k, activation]: Q, K, V and the output projection are
 * four separate 768 x 768 Linears; the FFN up-projection carries GELU-erf in its epilogue, and is
 * also timed without it so that the activation's share shows.
 */
const BERT_LAYERS: [n: number, k: number, act: Activation][] = [
  [768, 768, 'none'],
  [3072, 768, 'gelu_erf'],
  [3072, 768, 'none'],
  [768, 3072, 'none'],
];

async function bertShapes(ctx: BenchContext, addon: NativeAddon): Promise<void> {
  const rng = new Rng(1);
  const saved = addon.getThreads();
  const threadCounts = [1, 2].filter((t) => t <= Math.max(2, availableParallelism()));
  for (const t of threadCounts) {
    addon.setThreads(t);
    const peak = addon.fmaPeak(t, 300);
    ctx.emit({ case: `peak t${t}`, impl: 'fma', metric: 'throughput', value: peak, unit: 'GFLOP/s' });
    for (const m of [128, 1024])
      for (const [n, k, act] of BERT_LAYERS) {
        const x = randomF32(rng, m * k);
        const w = randomF32(rng, n * k);
        const bias = randomF32(rng, n);
        const c = new Float32Array(m * n);
        const packed = addon.gemmF32PackB(n, k, w, 0, k, true);
        const s = await timeCalls(
          () => addon.linearF32Packed(m, n, k, x, 0, k, packed, bias, act, c, 0, n),
          ctx.reps,
        );
        const gflops = (2 * m * n * k) / s.median / 1e9;
        const c0 = `linear ${m}x${n}x${k}${act === 'none' ? '' : ` +${act}`} t${t}`;
        ctx.emit({ case: c0, impl: 'frugal', metric: 'throughput', value: gflops, unit: 'GFLOP/s' });
        ctx.emit({ case: c0, impl: 'frugal', metric: 'ms', value: s.median * 1e3, unit: 'ms' });
        ctx.emit({ case: c0, impl: 'frugal/peak', metric: 'fraction', value: gflops / peak, unit: 'x' });
      }
  }
  addon.setThreads(saved);
}

export default async function gemm(ctx: BenchContext): Promise<void> {
  const native = loadNative();
  if (!native.available) {
    ctx.note(`gemm: the native addon is unavailable (${native.reason}); nothing to measure.`);
    return;
  }
  const addon: NativeAddon = native.addon;
  if (ctx.args.includes('--bert')) {
    await bertShapes(ctx, addon);
    return;
  }
  const cubes = ctx.quick ? [128, 256, 512, 1024] : [128, 256, 512, 1024, 2048];
  const shapes: Shape[] = [
    ...cubes.map((s): Shape => [s, s, s]),
    [1024, 768, 768],
    [1024, 3072, 768],
    [1024, 768, 3072],
  ];
  const threadCounts = [1, 2].filter((t) => t <= Math.max(2, availableParallelism()));
  const info = addon.cpuInfo();
  ctx.note(`cpu: ${info.features.join(' ')}; dispatch level ${info.level} (compiled up to ${info.compiled})`);

  const ort = await errorMessage(loadOrt());
  if (typeof ort === 'string') ctx.note(`onnxruntime-node skipped: ${ort}`);
  const tfjs = await errorMessage(loadTfjsWasm(1));
  if (typeof tfjs === 'string') ctx.note(`tfjs-wasm skipped: ${tfjs}`);
  else
    ctx.note(
      `tfjs-wasm runs with ${tfjs.threads} thread(s) (fixed at backend init), compared at t${tfjs.threads}`,
    );

  const rows = new Map<string, number>();
  const unit = (kind: string) => (kind === 'f32' ? 'GFLOP/s' : 'GOP/s');
  const put = (kind: 'f32' | 'i8', shape: Shape, t: number, impl: string, metric: Metric, value: number) => {
    const c = `${kind} ${label(shape)} t${t}`;
    rows.set(`${c}|${impl}|${metric}`, value);
    ctx.emit({ case: c, impl, metric, value, unit: unit(kind) });
  };
  /** Emits the median and the best throughput of one timed implementation. */
  const emit = (
    kind: 'f32' | 'i8',
    shape: Shape,
    t: number,
    impl: string,
    s: { median: number; best: number },
  ) => {
    const ops = 2 * shape[0] * shape[1] * shape[2];
    put(kind, shape, t, impl, 'throughput', ops / s.median / 1e9);
    put(kind, shape, t, impl, 'best', ops / s.best / 1e9);
  };
  const get = (kind: string, shape: Shape, t: number, impl: string, metric: Metric) =>
    rows.get(`${kind} ${label(shape)} t${t}|${impl}|${metric}`);

  const saved = addon.getThreads();
  const rng = new Rng(1);
  for (const t of threadCounts) {
    addon.setThreads(t);
    const peak = addon.fmaPeak(t, 300);
    const numpy: NumpyResult = numpyMatmul(shapes, t, ctx.reps);
    if (!numpy.ok && t === threadCounts[0]) ctx.note(`numpy skipped: ${numpy.reason}`);
    for (const [si, shape] of shapes.entries()) {
      const [m, n, k] = shape;
      const a = randomF32(rng, m * k);
      const b = randomF32(rng, k * n);
      const c = new Float32Array(m * n);
      const f32 = await timeCalls(
        () => addon.gemmF32(m, n, k, 1, a, 0, k, false, 0, b, 0, n, false, 0, c, 0, n, 0, 1, 0),
        ctx.reps,
      );
      emit('f32', shape, t, 'frugal', f32);
      put('f32', shape, t, 'peak', 'throughput', peak);
      put('f32', shape, t, 'peak', 'best', peak);
      if (t === 1 && m <= 256) {
        emit(
          'f32',
          shape,
          t,
          'frugal-reference',
          await timeCalls(() => referenceGemm(m, n, k, a, b, c), ctx.reps),
        );
      }
      if (typeof ort !== 'string') {
        const s = await ortMatmul(ort, 'f32', m, n, k, t, a, b);
        emit('f32', shape, t, 'onnxruntime', await timeCalls(() => s.run(), ctx.reps));
        await s.release();
      }
      if (typeof tfjs !== 'string' && tfjs.threads === t) {
        const run = tfjsMatmul(tfjs.tf, m, n, k, a, b);
        emit('f32', shape, t, 'tfjs-wasm', await timeCalls(run, ctx.reps));
      }
      if (numpy.ok) {
        put('f32', shape, t, 'numpy', 'throughput', numpy.gflops[si]!);
        put('f32', shape, t, 'numpy', 'best', numpy.best[si]!);
      }

      const a8 = randomI8(rng, m * k);
      const b8 = randomI8(rng, n * k);
      const c32 = new Int32Array(m * n);
      const i8 = await timeCalls(
        () => addon.gemmI8(m, n, k, a8, 0, b8, 0, c32, 0, null, null, null, 0),
        ctx.reps,
      );
      emit('i8', shape, t, 'frugal', i8);
      if (typeof ort !== 'string') {
        const s = await errorMessage(ortMatmul(ort, 'i8', m, n, k, t, a8, b8));
        if (typeof s === 'string') ctx.note(`onnxruntime MatMulInteger skipped: ${s}`);
        else {
          emit('i8', shape, t, 'onnxruntime', await timeCalls(() => s.run(), ctx.reps));
          await s.release();
        }
      }
    }
  }
  addon.setThreads(saved);

  const div = (x?: number, y?: number) => (x !== undefined && y !== undefined ? x / y : undefined);
  const big: Shape = [cubes.at(-1)!, cubes.at(-1)!, cubes.at(-1)!];
  for (const metric of ['throughput', 'best'] as const) {
    const ratio = (name: string, impl: string, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value))
        ctx.emit({ case: `ratio ${name}`, impl, metric: `ratio of ${metric}`, value, unit: 'x' });
    };
    const g = (kind: string, s: Shape, t: number, impl: string) => get(kind, s, t, impl, metric);
    for (const s of cubes.filter((s) => s >= 512)) {
      const sq: Shape = [s, s, s];
      ratio(
        'f32 frugal/peak t1 (target >= 0.85)',
        label(sq),
        div(g('f32', sq, 1, 'frugal'), g('f32', sq, 1, 'peak')),
      );
    }
    ratio(
      'f32 t2/t1 (target >= 1.8)',
      label(big),
      div(g('f32', big, 2, 'frugal'), g('f32', big, 1, 'frugal')),
    );
    for (const t of threadCounts)
      for (const s of shapes) {
        const tag = `${label(s)} t${t}`;
        ratio('int8/f32 (target >= 1.8)', tag, div(g('i8', s, t, 'frugal'), g('f32', s, t, 'frugal')));
        ratio('f32 frugal/onnxruntime', tag, div(g('f32', s, t, 'frugal'), g('f32', s, t, 'onnxruntime')));
        ratio('i8 frugal/onnxruntime', tag, div(g('i8', s, t, 'frugal'), g('i8', s, t, 'onnxruntime')));
        ratio('f32 frugal/tfjs-wasm', tag, div(g('f32', s, t, 'frugal'), g('f32', s, t, 'tfjs-wasm')));
        ratio('f32 frugal/numpy', tag, div(g('f32', s, t, 'frugal'), g('f32', s, t, 'numpy')));
      }
  }
}
