// Row reductions and fused row kernels (softmax, log-softmax, layer norm, RMS norm) over any
// vector traits V. Each row is reduced in a fixed order (four vector accumulators, then a fixed
// horizontal fold), so a row's result is the same whichever thread computes it.
#pragma once
#include <cmath>
#include <cstdint>

#include "frugal/elementwise-kernels.h"
#include "frugal/simd/vec-math.h"

namespace frugal {
namespace {

// Folds step(acc, v) over a row; the tail is padded with `pad` (the identity of the fold).
template <class V, class Step, class Combine>
typename V::F RowFold(const float* x, int64_t cols, float pad, float init, Step step, Combine combine) {
  using F = typename V::F;
  F a0 = V::Set(init), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * V::W <= cols; i += 4 * V::W) {
    a0 = step(a0, V::Load(x + i));
    a1 = step(a1, V::Load(x + i + V::W));
    a2 = step(a2, V::Load(x + i + 2 * V::W));
    a3 = step(a3, V::Load(x + i + 3 * V::W));
  }
  for (; i + V::W <= cols; i += V::W) a0 = step(a0, V::Load(x + i));
  if (i < cols) {
    float buf[V::W];
    for (int j = 0; j < V::W; j++) buf[j] = i + j < cols ? x[i + j] : pad;
    a1 = step(a1, V::Load(buf));
  }
  return combine(combine(a0, a1), combine(a2, a3));
}

template <class V>
float RowSum(const float* x, int64_t cols) {
  using F = typename V::F;
  return V::ReduceAdd(RowFold<V>(x, cols, 0.0f, 0.0f, [](F a, F v) { return V::Add(a, v); },
                                 [](F a, F b) { return V::Add(a, b); }));
}

// Sum of (x - c)^2, used for the two-pass variance.
template <class V>
float RowSumSqDev(const float* x, int64_t cols, float c) {
  using F = typename V::F;
  const F vc = V::Set(c);
  return V::ReduceAdd(RowFold<V>(
      x, cols, c, 0.0f,
      [vc](F a, F v) {
        const F d = V::Sub(v, vc);
        return V::Fma(d, d, a);
      },
      [](F a, F b) { return V::Add(a, b); }));
}

// Row maximum (or minimum); NaN anywhere in the row gives NaN.
template <class V, bool kMaxOp>
float RowExtreme(const float* x, int64_t cols) {
  using F = typename V::F;
  const float inf = __builtin_inff();
  const float pad = kMaxOp ? -inf : inf;
  const F m = RowFold<V>(
      x, cols, pad, pad,
      [](F a, F v) {
        const F r = kMaxOp ? V::Max(a, v) : V::Min(a, v);
        return V::Select(V::IsNan(v), v, V::Select(V::IsNan(a), a, r));
      },
      [](F a, F b) {
        const F r = kMaxOp ? V::Max(a, b) : V::Min(a, b);
        return V::Select(V::IsNan(b), b, V::Select(V::IsNan(a), a, r));
      });
  if (V::Any(V::IsNan(m))) return __builtin_nanf("");
  return kMaxOp ? V::ReduceMax(m) : V::ReduceMin(m);
}

// Sum of exp(x - m) over the row.
template <class V>
float RowSumExp(const float* x, int64_t cols, float m) {
  using F = typename V::F;
  const F vm = V::Set(m);
  return V::ReduceAdd(RowFold<V>(
      x, cols, -__builtin_inff(), 0.0f, [vm](F a, F v) { return V::Add(a, VExp<V>(V::Sub(v, vm))); },
      [](F a, F b) { return V::Add(a, b); }));
}

template <class V>
float RowLogSumExp(const float* x, int64_t cols) {
  if (cols == 0) return -__builtin_inff();
  const float m = RowExtreme<V, true>(x, cols);
  if (std::isnan(m) || std::isinf(m)) return m;
  return m + std::log(RowSumExp<V>(x, cols, m));
}

template <class V>
void ReduceRows(int op, const float* x, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float v = 0;
    switch (op) {
      case kSum: v = RowSum<V>(row, cols); break;
      case kMean: v = RowSum<V>(row, cols) / static_cast<float>(cols); break;
      case kMax: v = RowExtreme<V, true>(row, cols); break;
      case kMin: v = RowExtreme<V, false>(row, cols); break;
      case kVar: {
        const float mean = RowSum<V>(row, cols) / static_cast<float>(cols);
        v = RowSumSqDev<V>(row, cols, mean) / static_cast<float>(cols);
        break;
      }
      case kLogSumExp: v = RowLogSumExp<V>(row, cols); break;
      default: break;
    }
    out[r] = v;
  }
}

template <class V>
void ArgmaxRows(const float* x, int64_t rows, int64_t cols, int32_t* out) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    const float m = RowExtreme<V, true>(row, cols);
    const bool nan = std::isnan(m);
    int64_t idx = 0;
    for (int64_t i = 0; i < cols; i++)
      if (nan ? std::isnan(row[i]) : row[i] == m) {
        idx = i;
        break;
      }
    out[r] = static_cast<int32_t>(idx);
  }
}

template <class V, class Fn>
void RowMap(const float* x, float* out, int64_t cols, Fn fn) {
  int64_t i = 0;
  for (; i + V::W <= cols; i += V::W) V::Store(out + i, fn(V::Load(x + i), i));
  if (i < cols) {
    float buf[V::W] = {};
    for (int64_t j = i; j < cols; j++) buf[j - i] = x[j];
    V::Store(buf, fn(V::Load(buf), i));
    for (int64_t j = i; j < cols; j++) out[j] = buf[j - i];
  }
}

// Loads W entries of an optional per-column vector (gamma/beta) at column i, padding the tail.
template <class V>
typename V::F LoadCols(const float* p, int64_t i, int64_t cols, float fallback) {
  if (!p) return V::Set(fallback);
  if (i + V::W <= cols) return V::Load(p + i);
  float buf[V::W];
  for (int j = 0; j < V::W; j++) buf[j] = i + j < cols ? p[i + j] : 0.0f;
  return V::Load(buf);
}

template <class V>
void SoftmaxRows(const float* x, int64_t rows, int64_t cols, float* out, bool log) {
  using F = typename V::F;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float* o = out + r * cols;
    const float m = RowExtreme<V, true>(row, cols);
    const F vm = V::Set(m);
    if (log) {
      const F shift = V::Set(m + std::log(RowSumExp<V>(row, cols, m)));
      RowMap<V>(row, o, cols, [shift](F v, int64_t) { return V::Sub(v, shift); });
    } else {
      RowMap<V>(row, o, cols, [vm](F v, int64_t) { return VExp<V>(V::Sub(v, vm)); });
      const F inv = V::Set(1.0f / RowSum<V>(o, cols));
      RowMap<V>(o, o, cols, [inv](F v, int64_t) { return V::Mul(v, inv); });
    }
  }
}

template <class V>
void LayerNormRows(const float* x, int64_t rows, int64_t cols, const float* gamma, const float* beta, float eps,
                   float* out) {
  using F = typename V::F;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    const float mean = RowSum<V>(row, cols) / static_cast<float>(cols);
    const float var = RowSumSqDev<V>(row, cols, mean) / static_cast<float>(cols);
    const F vmean = V::Set(mean), vrstd = V::Set(1.0f / std::sqrt(var + eps));
    RowMap<V>(row, out + r * cols, cols, [&](F v, int64_t i) {
      const F g = V::Mul(vrstd, LoadCols<V>(gamma, i, cols, 1.0f));
      return V::Fma(V::Sub(v, vmean), g, LoadCols<V>(beta, i, cols, 0.0f));
    });
  }
}

template <class V>
void RmsNormRows(const float* x, int64_t rows, int64_t cols, const float* gamma, float eps, float* out) {
  using F = typename V::F;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    const float ms = RowSumSqDev<V>(row, cols, 0.0f) / static_cast<float>(cols);
    const F vr = V::Set(1.0f / std::sqrt(ms + eps));
    RowMap<V>(row, out + r * cols, cols,
              [&](F v, int64_t i) { return V::Mul(V::Mul(v, vr), LoadCols<V>(gamma, i, cols, 1.0f)); });
  }
}

template <class V>
ElementwiseTable MakeElementwiseTable() {
  return {Unary<V>, Binary<V>, ReduceRows<V>, ArgmaxRows<V>, SoftmaxRows<V>, LayerNormRows<V>, RmsNormRows<V>};
}

}  // namespace
}  // namespace frugal
