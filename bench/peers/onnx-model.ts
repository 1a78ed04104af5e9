/**
 * Builds one-node ONNX models (MatMul f32, MatMulInteger int8) in memory with protobufjs, from a
 * hand-written subset of onnx.proto (field numbers as in onnx/onnx.proto), so the onnxruntime peer
 * needs no model files on disk.
 */
import protobuf from 'protobufjs';

const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: {
          fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
        },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 } } },
      },
    },
  },
};

/** ONNX TensorProto.DataType codes used here. */
export const ONNX_DTYPE = { float: 1, int8: 3, int32: 6 } as const;

function valueInfo(name: string, elemType: number, shape: readonly number[]) {
  return { name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } };
}

/** Y = op(A, B) with A [m, k], B [k, n]; op 'MatMul' (float) or 'MatMulInteger' (int8 -> int32). */
export function matmulModel(op: 'MatMul' | 'MatMulInteger', m: number, n: number, k: number): Uint8Array {
  const Model = protobuf.Root.fromJSON(ONNX_SUBSET).lookupType('onnx.ModelProto');
  const inType = op === 'MatMul' ? ONNX_DTYPE.float : ONNX_DTYPE.int8;
  const outType = op === 'MatMul' ? ONNX_DTYPE.float : ONNX_DTYPE.int32;
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: `${op}_${m}x${n}x${k}`,
      node: [{ input: ['A', 'B'], output: ['Y'], name: 'mm', opType: op }],
      input: [valueInfo('A', inType, [m, k]), valueInfo('B', inType, [k, n])],
      output: [valueInfo('Y', outType, [m, n])],
    },
  };
  const err = Model.verify(model);
  if (err) throw new Error(`onnx model: ${err}`);
  return Model.encode(Model.fromObject(model)).finish();
}
