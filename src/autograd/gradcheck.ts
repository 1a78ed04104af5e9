/**
 * Checks backward rules against central finite differences. The function's output is probed
 * with fixed random weights w (f = Σ out·w, summed in f64), so one backward pass gives the
 * analytic gradient of every input, which is compared element by element with
 * (f(x + eps) - f(x - eps)) / 2eps. Tensors are f32, so tolerances are f32-sized.
 */
import { FrugalError } from '../core/errors.js';
import { randn, tensor } from '../tensor/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad, param, type Variable } from './variable.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-2; f32 leaves little room below 1e-3). */
  eps?: number;
  /** Allowed |analytic - numeric| beyond rtol·max(|analytic|, |numeric|) (default 2e-3). */
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  /** Where the largest excess over tolerance occurred. */
  worst: { input: number; index: number; analytic: number; numeric: number } | undefined;
  checked: number;
}

/** `inputs` are f32 tensors (copied, never modified); `fn` must be deterministic. */
export function gradcheck(
  fn: (...xs: Variable[]) => Variable,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2, seed = 0 } = opts;
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== 'f32') {
      throw new FrugalError('E_DTYPE', `gradcheck input ${i} must be f32, got ${t.dtype}`, {
        op: 'gradcheck',
        shapes: [t.shape],
        hint: 'pass integer tensors (indices, targets) through the closure instead',
      });
    }
  }
  const base = inputs.map((t) => Float64Array.from(t.toFlatArray()));
  const analytic = analyticGrads(fn, inputs, seed);
  const { weights } = analytic;
  const probe = (values: Float64Array[]): number =>
    noGrad(() =>
      tidy(() => {
        const vars = values.map((v, i) => param(tensorLike(v, inputs[i]!)));
        const out = fn(...vars).value.toFlatArray();
        let f = 0;
        for (let k = 0; k < out.length; k++) f += out[k]! * weights[k]!;
        return f;
      }),
    );
  let maxAbsError = 0;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let worst: GradcheckResult['worst'];
  let checked = 0;
  base.forEach((values, i) => {
    for (let k = 0; k < values.length; k++) {
      const orig = values[k]!;
      values[k] = orig + eps;
      const up = probe(base);
      values[k] = orig - eps;
      const down = probe(base);
      values[k] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = analytic.grads[i]![k]!;
      const err = Math.abs(a - numeric);
      const excess = err - (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
      maxAbsError = Math.max(maxAbsError, err);
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { input: i, index: k, analytic: a, numeric };
      }
      checked++;
    }
  });
  return { ok: worstExcess <= 0, maxAbsError, worst, checked };
}

function tensorLike(values: Float64Array, like: Tensor): Tensor {
  return tensor(Float32Array.from(values), { shape: like.shape });
}

function analyticGrads(fn: (...xs: Variable[]) => Variable, inputs: readonly Tensor[], seed: number) {
  return tidy(() => {
    const vars = inputs.map((t) => param(tensorLike(Float64Array.from(t.toFlatArray()), t)));
    const out = fn(...vars);
    const w = randn(out.shape, { seed: seed + 1 });
    const weights = w.toFlatArray();
    if (!out.requiresGrad) {
      throw new FrugalError('E_ARG', 'the function output does not depend on any input', { op: 'gradcheck' });
    }
    out.backward(w);
    const grads = vars.map((v) => (v.grad ? v.grad.toFlatArray() : new Array<number>(v.value.size).fill(0)));
    for (const v of vars) v.zeroGrad();
    return { grads, weights };
  });
}
