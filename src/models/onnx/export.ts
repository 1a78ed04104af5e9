/**
 * ONNX export of Frugal models: BERT (sequence classification) and Llama (causal LM, full
 * sequence). The graph uses standard opset-17 ops onnxruntime optimizes (MatMul, Add,
 * LayerNormalization, Erf-GELU, Softmax, Gather, Reshape/Transpose), weights as raw f32
 * initializers.
 */
import { writeFileAtomic } from '../../core/atomic-write.js';
import { FrugalError } from '../../core/errors.js';
import { BertForSequenceClassification } from '../bert.js';
import type { FrugalModel } from '../create.js';
import { LlamaForCausalLM } from '../llama.js';
import { bertGraph } from './bert.js';
import { GraphBuilder } from './graph.js';
import { llamaGraph } from './llama.js';
import { encodeOnnxModel, type OnnxModel } from './proto.js';

export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Graph name (default: the architecture). */
  name?: string;
  /** Free text stored in the model's doc_string (e.g. where the weights came from). */
  docString?: string;
}

/** The model as an ONNX ModelProto object (not yet serialized). */
export function onnxModel(model: FrugalModel, opts: OnnxExportOptions = {}): OnnxModel {
  const g = new GraphBuilder();
  let io: ReturnType<typeof bertGraph>;
  if (model instanceof BertForSequenceClassification) io = bertGraph(g, model);
  else if (model instanceof LlamaForCausalLM) io = llamaGraph(g, model);
  else {
    throw new FrugalError('E_ARG', `ONNX export supports bert and llama models, not ${model.config.arch}`, {
      op: 'exportOnnx',
      field: 'model',
    });
  }
  return {
    irVersion: IR_VERSION,
    producerName: 'frugal',
    ...(opts.docString === undefined ? {} : { docString: opts.docString }),
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: g.build(opts.name ?? model.config.arch, io.input, io.output),
  };
}

/** ONNX protobuf bytes of the model. */
export function encodeOnnx(model: FrugalModel, opts: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnxModel(onnxModel(model, opts));
}

/** Writes the model as ONNX to `path` (atomically). */
export async function exportOnnx(
  model: FrugalModel,
  path: string,
  opts: OnnxExportOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeOnnx(model, opts));
}
