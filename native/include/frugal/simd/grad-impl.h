// Backward kernel templates over vector traits V. Tails go through a W-lane buffer so every
// element runs the same vector code.
#pragma once
#include <cmath>
#include <cstdint>

#include "frugal/grad-kernels.h"
#include "frugal/simd/vec-math.h"

namespace frugal {
namespace {

// Phi(x) = 0.5 (1 + erf(x / sqrt 2)) through erfc(|x| / sqrt 2), as VGeluErf computes it.
template <class V>
typename V::F VNormalCdf(typename V::F x) {
  using F = typename V::F;
  const F ax = V::Abs(x);
  const F erfc = VErfcAbsHalf<V>(x);
  const F half = V::Mul(erfc, V::Set(0.5f));
  const F r = V::Select(V::Lt(x, V::Set(0.0f)), half, V::Sub(V::Set(1.0f), half));
  const F limit = V::Select(V::Gt(x, V::Set(0.0f)), V::Set(1.0f), V::Set(0.0f));
  return V::Select(V::Gt(ax, V::Set(20.0f)), limit, r);
}

template <class V>
typename V::F VActGrad(int op, typename V::F x) {
  using F = typename V::F;
  const F one = V::Set(1.0f);
  switch (op) {
    case kActGeluTanh: {
      const F k = V::Set(0.7978845608028654f);
      const F x2 = V::Mul(x, x);
      const F t = VTanh<V>(V::Mul(k, V::Fma(V::Mul(x2, x), V::Set(0.044715f), x)));
      const F du = V::Mul(k, V::Fma(x2, V::Set(3 * 0.044715f), one));
      const F left = V::Mul(V::Set(0.5f), V::Add(one, t));
      return V::Fma(V::Mul(V::Mul(V::Set(0.5f), x), V::Sub(one, V::Mul(t, t))), du, left);
    }
    case kActGeluErf: {
      const F pdf = V::Mul(VExp<V>(V::Mul(V::Mul(x, x), V::Set(-0.5f))), V::Set(0.3989422804014327f));
      return V::Fma(x, pdf, VNormalCdf<V>(x));
    }
    default: {
      const F s = VScaledSigmoid<V>(one, x);
      return V::Mul(s, V::Fma(x, V::Sub(one, s), one));
    }
  }
}

template <class V>
void ActGrad(int op, const float* x, const float* g, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(out + i, V::Mul(V::Load(g + i), VActGrad<V>(op, V::Load(x + i))));
  if (i < n) {
    float bx[V::W] = {}, bg[V::W] = {};
    for (int64_t j = i; j < n; j++) {
      bx[j - i] = x[j];
      bg[j - i] = g[j];
    }
    V::Store(bx, V::Mul(V::Load(bg), VActGrad<V>(op, V::Load(bx))));
    for (int64_t j = i; j < n; j++) out[j] = bx[j - i];
  }
}

// Sum of a[0..n).
template <class V>
float RowSum(const float* a, int64_t n) {
  typename V::F acc = V::Set(0.0f);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) acc = V::Add(acc, V::Load(a + i));
  float s = V::ReduceAdd(acc);
  for (; i < n; i++) s += a[i];
  return s;
}

template <class V>
void NormGradRows(bool rms, const float* x, const float* gamma, const float* g, int64_t rows, int64_t cols, float eps,
                  float* dx, float* dgamma, float* dbeta) {
  using F = typename V::F;
  const float inv = 1.0f / static_cast<float>(cols);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    const float* gr = g + r * cols;
    float* dr = dx + r * cols;
    float mean = 0;
    if (!rms) mean = RowSum<V>(xr, cols) * inv;
    // Pass 1: the variance (or mean square) about `mean`.
    F acc = V::Set(0.0f);
    const F vm = V::Set(mean);
    int64_t i = 0;
    for (; i + V::W <= cols; i += V::W) {
      const F c = V::Sub(V::Load(xr + i), vm);
      acc = V::Fma(c, c, acc);
    }
    float sq = V::ReduceAdd(acc);
    for (; i < cols; i++) sq += (xr[i] - mean) * (xr[i] - mean);
    const float rstd = 1.0f / std::sqrt(sq * inv + eps);
    // Pass 2: mean(dxhat) and mean(dxhat * xhat); dgamma / dbeta partial sums.
    const F vr = V::Set(rstd);
    F sa = V::Set(0.0f), sb = V::Set(0.0f);
    i = 0;
    for (; i + V::W <= cols; i += V::W) {
      const F xh = V::Mul(V::Sub(V::Load(xr + i), vm), vr);
      const F gi = V::Load(gr + i);
      const F dxh = gamma ? V::Mul(gi, V::Load(gamma + i)) : gi;
      sa = V::Add(sa, dxh);
      sb = V::Fma(dxh, xh, sb);
      if (dgamma) V::Store(dgamma + i, V::Fma(gi, xh, V::Load(dgamma + i)));
      if (dbeta) V::Store(dbeta + i, V::Add(V::Load(dbeta + i), gi));
    }
    float a = V::ReduceAdd(sa), b = V::ReduceAdd(sb);
    for (; i < cols; i++) {
      const float xh = (xr[i] - mean) * rstd;
      const float dxh = gamma ? gr[i] * gamma[i] : gr[i];
      a += dxh;
      b += dxh * xh;
      if (dgamma) dgamma[i] += gr[i] * xh;
      if (dbeta) dbeta[i] += gr[i];
    }
    a = rms ? 0.0f : a * inv;
    b *= inv;
    // Pass 3: dx = rstd (dxhat - a - xhat b).
    const F va = V::Set(a), vb = V::Set(b);
    i = 0;
    for (; i + V::W <= cols; i += V::W) {
      const F xh = V::Mul(V::Sub(V::Load(xr + i), vm), vr);
      const F gi = V::Load(gr + i);
      const F dxh = gamma ? V::Mul(gi, V::Load(gamma + i)) : gi;
      V::Store(dr + i, V::Mul(vr, V::Sub(V::Sub(dxh, va), V::Mul(xh, vb))));
    }
    for (; i < cols; i++) {
      const float xh = (xr[i] - mean) * rstd;
      const float dxh = gamma ? gr[i] * gamma[i] : gr[i];
      dr[i] = rstd * (dxh - a - xh * b);
    }
  }
}

template <class V>
void SoftmaxGradRows(bool log, const float* y, const float* g, int64_t rows, int64_t cols, float* dx) {
  using F = typename V::F;
  for (int64_t r = 0; r < rows; r++) {
    const float* yr = y + r * cols;
    const float* gr = g + r * cols;
    float* dr = dx + r * cols;
    F acc = V::Set(0.0f);
    int64_t i = 0;
    for (; i + V::W <= cols; i += V::W) {
      const F gi = V::Load(gr + i);
      acc = log ? V::Add(acc, gi) : V::Fma(gi, V::Load(yr + i), acc);
    }
    float dot = V::ReduceAdd(acc);
    for (; i < cols; i++) dot += log ? gr[i] : gr[i] * yr[i];
    const F vd = V::Set(dot);
    i = 0;
    for (; i + V::W <= cols; i += V::W) {
      const F yi = V::Load(yr + i), gi = V::Load(gr + i);
      V::Store(dr + i, log ? V::Sub(gi, V::Mul(VExp<V>(yi), vd)) : V::Mul(yi, V::Sub(gi, vd)));
    }
    if (i < cols) {
      float by[V::W] = {}, bg[V::W] = {};
      for (int64_t j = i; j < cols; j++) {
        by[j - i] = yr[j];
        bg[j - i] = gr[j];
      }
      const F yi = V::Load(by), gi = V::Load(bg);
      V::Store(by, log ? V::Sub(gi, V::Mul(VExp<V>(yi), vd)) : V::Mul(yi, V::Sub(gi, vd)));
      for (int64_t j = i; j < cols; j++) dr[j] = by[j - i];
    }
  }
}

}  // namespace

template <class V>
GradTable MakeGradTable() {
  return {ActGrad<V>, NormGradRows<V>, SoftmaxGradRows<V>};
}

}  // namespace frugal
