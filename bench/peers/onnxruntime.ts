/** onnxruntime-node peer: times MatMul / MatMulInteger sessions with intra-op threads set. */
import { matmulModel } from './onnx-model.js';

type Ort = typeof import('onnxruntime-node');

export interface OrtMatmul {
  run(): Promise<void>;
  release(): Promise<void>;
}

let ortPromise: Promise<Ort> | undefined;

/** Loads onnxruntime-node; rejects (with the load error) when it cannot load here. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node');
  return ortPromise;
}

export async function ortMatmul(
  ort: Ort,
  kind: 'f32' | 'i8',
  m: number,
  n: number,
  k: number,
  threads: number,
  a: Float32Array | Int8Array,
  b: Float32Array | Int8Array,
): Promise<OrtMatmul> {
  const bytes = matmulModel(kind === 'f32' ? 'MatMul' : 'MatMulInteger', m, n, k);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const type = kind === 'f32' ? 'float32' : 'int8';
  const feeds = { A: new ort.Tensor(type, a, [m, k]), B: new ort.Tensor(type, b, [k, n]) };
  return {
    async run() {
      await session.run(feeds);
    },
    release: () => session.release(),
  };
}
