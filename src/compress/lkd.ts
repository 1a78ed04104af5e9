/**
 * ZeroQuant layer-by-layer knowledge distillation (LKD). The f32 model is run once on unlabelled
 * calibration inputs while every Linear that will be quantized records its input. Then, one layer
 * at a time, an f32 shadow of the layer's weight is trained so that the quantized layer (weights
 * rounded with a straight-through estimator, activations token-quantized as at inference) matches
 * the f32 layer's output on that same f32 input; the trained shadow is then quantized and the layer
 * replaced. No labels are used and only one layer's weights train at a time.
 *
 * Granularity: each Linear is its own distillation unit (the paper distills whole transformer
 * layers); this works on any model whose Linear layers can be found, without model-specific code.
 */
import * as A from '../autograd/index.js';
import { param, type Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { cast } from '../ops/elementwise.js';
import { contiguous, reshape } from '../ops/shape-ops.js';
import { Adam } from '../optim/adam.js';
import { tensor } from '../tensor/creation.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { quantizeRowsReference } from './activation-quant.js';
import { findLayers, type LayerSite } from './layers.js';
import { fuseNormQuantization } from './norm-quant.js';
import {
  type LayerPlan,
  planQuantization,
  type QuantizeModelOptions,
  type QuantizeReport,
} from './quantize-model.js';
import { QuantizedLinear } from './quantized-linear.js';
import { f32Data } from './tensor-data.js';
import { dequantizeValues, quantizeValues, quantizeWeight, type WeightBits } from './weight-quant.js';

export interface LkdOptions extends QuantizeModelOptions {
  /** Runs the f32 model forward on calibration inputs (called once, without gradients). */
  calibrate: (model: Module) => void;
  /** Adam steps per layer (default 100). */
  steps?: number;
  /** Adam learning rate for the weight shadows (default 1e-4). */
  lr?: number;
  /** Called after each layer with its output MSE against f32 before and after distillation. */
  onLayer?: (result: LkdLayerResult) => void;
}

export interface LkdLayerResult {
  path: string;
  /** Mean squared error of the quantized layer's output vs the f32 layer, on the recorded inputs. */
  mseBefore: number;
  mseAfter: number;
}

export interface LkdReport extends QuantizeReport {
  distill: LkdLayerResult[];
}

/** Stands in for a Linear during calibration and keeps a copy of every input as [rows, in]. */
class InputRecorder extends Module {
  readonly inputs: Tensor[] = [];

  constructor(readonly inner: Linear) {
    super();
  }

  forward(x: Variable): Variable {
    this.inputs.push(keep(contiguous(reshape(x.value, [-1, this.inner.inFeatures]))));
    return this.inner.forward(x);
  }
}

function recordInputs(
  model: Module,
  sites: LayerSite<Linear>[],
  calibrate: (m: Module) => void,
): Map<string, Tensor[]> {
  const recorders = sites.map((s) => {
    const r = new InputRecorder(s.layer);
    s.parent.replaceChild(s.name, r);
    return r;
  });
  try {
    A.noGrad(() => tidy(() => calibrate(model)));
  } finally {
    for (const s of sites) s.parent.replaceChild(s.name, s.layer);
  }
  const out = new Map<string, Tensor[]>();
  sites.forEach((s, i) => {
    const inputs = recorders[i]!.inputs;
    if (inputs.length === 0) {
      throw new FrugalError('E_ARG', `calibration never ran layer ${s.path}`, {
        op: 'distillQuantize',
        field: 'calibrate',
        hint: 'calibrate(model) must run the model forward on at least one batch',
      });
    }
    out.set(s.path, inputs);
  });
  return out;
}

/** Activations as the quantized layer sees them: token-wise INT8, dequantized. */
function fakeQuantRows(x: Tensor): Tensor {
  const [rows, cols] = x.shape as [number, number];
  const { codes, scales } = quantizeRowsReference(f32Data(x), rows, cols);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = Math.fround(codes[i]! * scales[Math.floor(i / cols)]!);
  return tensor(out, { shape: [rows, cols] });
}

/** W + stopgrad(deq(q(W)) - W): rounded in the forward pass, identity in the backward pass. */
export function steWeight(w: Variable, bits: WeightBits, groupSize: number): Variable {
  const [outF, inF] = w.shape as [number, number];
  const values = f32Data(w.value);
  const { codes, scales } = quantizeValues(values, outF, inF, bits, groupSize);
  const deq = dequantizeValues(codes, scales, inF, groupSize);
  for (let i = 0; i < deq.length; i++) deq[i] = deq[i]! - values[i]!;
  return A.add(w, A.constant(tensor(deq, { shape: [outF, inF] })));
}

function mse(a: Tensor, b: Tensor): number {
  const x = f32Data(a);
  const y = f32Data(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return s / x.length;
}

function distillLayer(
  site: LayerSite<Linear>,
  plan: LayerPlan,
  inputs: Tensor[],
  opts: LkdOptions,
): {
  layer: QuantizedLinear;
  result: LkdLayerResult;
} {
  const linear = site.layer;
  const targets = inputs.map((x) => keep(tidy(() => A.noGrad(() => linear.forward(A.constant(x)).value))));
  const quantIn = inputs.map((x) => keep(fakeQuantRows(x)));
  const evalMse = (q: QuantizedLinear) =>
    tidy(
      () =>
        inputs.reduce((s, x, i) => s + mse(q.forward(A.constant(x)).value, targets[i]!), 0) / inputs.length,
    );
  const initial = QuantizedLinear.fromLinear(linear, plan, site.path);
  const mseBefore = evalMse(initial);
  const w = param(keep(cast(linear.weight.value, 'f32')));
  const b = linear.bias ? param(keep(cast(linear.bias.value, 'f32'))) : undefined;
  const steps = opts.steps ?? 100;
  const peak = opts.lr ?? 1e-4;
  // Decaying to 0 lets the shadow settle instead of flipping weights across rounding boundaries.
  const optim = new Adam(b ? [w, b] : [w], { lr: peak, schedule: (t) => peak * (1 - t / steps) });
  for (let step = 0; step < steps; step++) {
    const i = step % inputs.length;
    const loss = tidy(() => {
      const y = A.matmul(A.constant(quantIn[i]!), steWeight(w, plan.bits, plan.groupSize), { transB: true });
      const diff = A.sub(b ? A.add(y, b) : y, A.constant(targets[i]!));
      return A.mean(A.mul(diff, diff));
    });
    const value = loss.value.item();
    if (!Number.isFinite(value)) {
      loss.dispose();
      throw new FrugalError('E_DIVERGED', `LKD loss of ${site.path} is ${value} at step ${step}`, {
        op: 'distillQuantize',
        field: 'lr',
        hint: 'lower lr',
      });
    }
    loss.backward();
    loss.dispose();
    optim.step();
    optim.zeroGrad();
  }
  const q = quantizeWeight(w.value, plan, site.path);
  const trained = new QuantizedLinear(q, b ? keep(cast(b.value, 'f32')) : undefined);
  const mseAfter = evalMse(trained);
  // Rounding the trained shadow can lose to plain rounding on a layer that was already good.
  const keepTrained = mseAfter <= mseBefore;
  const layer = keepTrained ? trained : initial;
  (keepTrained ? initial : trained).dispose();
  w.dispose();
  b?.dispose();
  for (const t of [...targets, ...quantIn]) t.dispose();
  return { layer, result: { path: site.path, mseBefore, mseAfter: Math.min(mseBefore, mseAfter) } };
}

/** Quantizes `model` in place like quantizeModel, distilling each layer from its f32 self first. */
export function distillQuantize(model: Module, opts: LkdOptions): LkdReport {
  const { plan, kept } = planQuantization(model, opts);
  const byPath = new Map(plan.map((p) => [p.path, p]));
  const sites = findLayers(model, (m): m is Linear => m instanceof Linear).filter((s) => byPath.has(s.path));
  const recorded = recordInputs(model, sites, opts.calibrate);
  const layers: LkdReport['layers'] = [];
  const distill: LkdLayerResult[] = [];
  for (const site of sites) {
    const p = byPath.get(site.path)!;
    const inputs = recorded.get(site.path)!;
    const { layer, result } = distillLayer(site, p, inputs, opts);
    for (const t of inputs) t.dispose();
    const bytesBefore = 4 * site.layer.parameterCount();
    site.parent.replaceChild(site.name, layer);
    site.layer.dispose();
    layers.push({ ...p, bytesBefore, bytesAfter: layer.byteSize() });
    distill.push(result);
    opts.onLayer?.(result);
  }
  fuseNormQuantization(model);
  return { layers, kept, distill };
}
