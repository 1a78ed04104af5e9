/**
 * Builds an ONNX graph node by node: each node gets fresh output names, weights become raw-data
 * initializers, and small int64 constants (shapes, axes) are interned so equal ones are shared.
 */
import { FrugalError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  ONNX_ATTR,
  ONNX_DTYPE,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto.js';

export type AttrValue = { int: number } | { float: number } | { ints: readonly number[] };

export const int = (v: number): AttrValue => ({ int: v });
export const float = (v: number): AttrValue => ({ float: v });
export const ints = (v: readonly number[]): AttrValue => ({ ints: v });

function attribute(name: string, v: AttrValue): OnnxAttribute {
  if ('int' in v) return { name, type: ONNX_ATTR.int, i: v.int };
  if ('float' in v) return { name, type: ONNX_ATTR.float, f: v.float };
  return { name, type: ONNX_ATTR.ints, ints: [...v.ints] };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly #names = new Set<string>();
  readonly #interned = new Map<string, string>();
  #counter = 0;

  #fresh(base: string): string {
    let name = base;
    while (this.#names.has(name)) name = `${base}_${++this.#counter}`;
    this.#names.add(name);
    return name;
  }

  /** An f32 initializer from raw values (little-endian, as ONNX raw_data requires on every host). */
  f32(name: string, values: Float32Array, dims: readonly number[]): string {
    const n = this.#fresh(name);
    this.initializers.push({
      name: n,
      dims: [...dims],
      dataType: ONNX_DTYPE.float,
      rawData: bytesOf(values.slice()),
    });
    return n;
  }

  /** An int8 initializer from raw values (INT8 weight codes for MatMulInteger). */
  i8(name: string, values: Int8Array, dims: readonly number[]): string {
    const n = this.#fresh(name);
    this.initializers.push({
      name: n,
      dims: [...dims],
      dataType: ONNX_DTYPE.int8,
      rawData: bytesOf(values.slice()),
    });
    return n;
  }

  /** An f32 initializer from a tensor's values (any layout), optionally transposed (2-D only). */
  weight(name: string, t: Tensor, opts: { transpose?: boolean } = {}): string {
    if (t.dtype !== 'f32') {
      throw new FrugalError('E_DTYPE', `ONNX export writes f32 weights; ${name} is ${t.dtype}`, {
        op: 'exportOnnx',
        field: name,
        hint: 'cast the model to f32 before exporting',
      });
    }
    if (!opts.transpose) return this.f32(name, t.toFloat32Array(), t.shape);
    const [rows, cols] = t.shape as [number, number];
    const src = t.toFloat32Array();
    const out = new Float32Array(src.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
    return this.f32(name, out, [cols, rows]);
  }

  /** A shared f32 scalar (dims []). */
  scalar(value: number): string {
    return this.#intern(`f:${value}`, () => this.f32('scalar', Float32Array.of(value), []));
  }

  /** A shared int64 constant, 1-D by default (shapes, axes, starts/ends). */
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.#intern(`i:${dims}:${values}`, () => {
      const n = this.#fresh('const_i64');
      const raw = bytesOf(BigInt64Array.from(values.map((v) => BigInt(v))));
      this.initializers.push({ name: n, dims: [...dims], dataType: ONNX_DTYPE.int64, rawData: raw });
      return n;
    });
  }

  #intern(key: string, make: () => string): string {
    let name = this.#interned.get(key);
    if (name === undefined) {
      name = make();
      this.#interned.set(key, name);
    }
    return name;
  }

  /** Appends a node; returns its output names (`outputs` of them). */
  nodeN(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputs = 1,
    name = opType,
  ): string[] {
    const nodeName = this.#fresh(name);
    const out = Array.from({ length: outputs }, (_, i) => this.#fresh(`${nodeName}_out${i}`));
    this.nodes.push({
      input: [...inputs],
      output: out,
      name: nodeName,
      opType,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Appends a single-output node; returns its output name. */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    name = opType,
  ): string {
    return this.nodeN(opType, inputs, attrs, 1, name)[0]!;
  }

  /** Renames the last node's output (graph outputs need their declared names). */
  rename(from: string, to: string): string {
    for (const n of this.nodes) n.output = n.output.map((o) => (o === from ? to : o));
    for (const n of this.nodes) n.input = n.input.map((i) => (i === from ? to : i));
    this.#names.add(to);
    return to;
  }

  build(name: string, input: OnnxValueInfo[], output: OnnxValueInfo[]): OnnxGraph {
    for (const v of input) this.#names.add(v.name);
    return { name, node: this.nodes, initializer: this.initializers, input, output };
  }
}
