/**
 * numpy/OpenBLAS peer: a python3 child process times np.matmul (f32) on the given shapes (median and best of reps) with
 * OPENBLAS_NUM_THREADS (and OMP/MKL equivalents) set before numpy loads; returns GFLOP/s per shape.
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import json, sys, time
import numpy as np
shapes, reps = json.loads(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
out, best = [], []
for m, n, k in shapes:
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    inner, times = 1, []
    while True:
        t0 = time.perf_counter()
        for _ in range(inner): np.matmul(a, b, out=c)
        dt = time.perf_counter() - t0
        if dt >= 0.02: break
        inner *= 2
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner): np.matmul(a, b, out=c)
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    out.append(2.0 * m * n * k / times[len(times) // 2] / 1e9)
    best.append(2.0 * m * n * k / times[0] / 1e9)
print(json.dumps({"gflops": out, "best": best, "numpy": np.__version__}))
`;

/** GFLOP/s per shape: the median and the best of `reps` samples. */
export type NumpyResult =
  | { ok: true; gflops: number[]; best: number[]; version: string }
  | { ok: false; reason: string };

export function numpyMatmul(
  shapes: readonly [number, number, number][],
  threads: number,
  reps: number,
): NumpyResult {
  const t = String(threads);
  const r = spawnSync('python3', ['-c', SCRIPT, JSON.stringify(shapes), String(reps)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t },
    timeout: 600_000,
  });
  if (r.status !== 0)
    return {
      ok: false,
      reason: (r.stderr || r.error?.message || 'python3 failed').trim().split('\n').pop()!,
    };
  const parsed = JSON.parse(r.stdout) as { gflops: number[]; best: number[]; numpy: string };
  return { ok: true, gflops: parsed.gflops, best: parsed.best, version: parsed.numpy };
}
