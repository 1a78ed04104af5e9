/** TensorFlow.js WASM-backend peer: f32 matMul. The backend's thread count is fixed at init. */
type Tf = typeof import('@tensorflow/tfjs-core');

let tfPromise: Promise<{ tf: Tf; threads: number }> | undefined;

/** Initialises tfjs-core on the wasm backend with `threads` (honoured only if threaded wasm loads). */
export function loadTfjsWasm(threads: number): Promise<{ tf: Tf; threads: number }> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
    return { tf, threads: wasm.getThreadsCount() };
  })();
  return tfPromise;
}

/** Returns a function computing A . B ([m, k] x [k, n]) and reading the result back. */
export function tfjsMatmul(
  tf: Tf,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
): () => void {
  const ta = tf.tensor2d(a, [m, k]);
  const tb = tf.tensor2d(b, [k, n]);
  return () => {
    const y = tf.matMul(ta, tb);
    y.dataSync();
    y.dispose();
  };
}
