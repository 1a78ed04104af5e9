// The optimizer kernel templates over vector traits V (see vec-scalar.h / vec-avx2.h). Each
// vector body has a one-lane tail with the same arithmetic, so the result for an element does
// not depend on its position.
#pragma once
#include <cmath>
#include <cstdint>

#include "frugal/optim-kernels.h"

namespace frugal {

template <class V>
void SgdKernel(const SgdHyper& h, float* p, const float* g, float* buf, int64_t n) {
  using F = typename V::F;
  const F lr = V::Set(h.lr), wd = V::Set(h.weight_decay), mu = V::Set(h.momentum);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    const F pi = V::Load(p + i);
    F d = V::Fma(wd, pi, V::Load(g + i));
    if (buf) {
      const F b = V::Fma(mu, V::Load(buf + i), d);
      V::Store(buf + i, b);
      d = h.nesterov ? V::Fma(mu, b, d) : b;
    }
    V::Store(p + i, V::Sub(pi, V::Mul(lr, d)));
  }
  for (; i < n; i++) {
    float d = std::fma(h.weight_decay, p[i], g[i]);
    if (buf) {
      buf[i] = std::fma(h.momentum, buf[i], d);
      d = h.nesterov ? std::fma(h.momentum, buf[i], d) : buf[i];
    }
    p[i] = p[i] - h.lr * d;
  }
}

template <class V>
void AdamKernel(const AdamHyper& h, float* p, const float* g, float* m, float* v, int64_t n) {
  using F = typename V::F;
  const F b1 = V::Set(h.beta1), b2 = V::Set(h.beta2), a1 = V::Set(1 - h.beta1), a2 = V::Set(1 - h.beta2);
  const F l2 = V::Set(h.l2), shrink = V::Set(h.shrink), eps = V::Set(h.eps), ic2 = V::Set(h.inv_c2);
  const F step = V::Set(h.lr * h.inv_c1);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    const F pi = V::Load(p + i);
    const F gi = V::Fma(l2, pi, V::Load(g + i));
    const F mi = V::Fma(b1, V::Load(m + i), V::Mul(a1, gi));
    const F vi = V::Fma(b2, V::Load(v + i), V::Mul(a2, V::Mul(gi, gi)));
    V::Store(m + i, mi);
    V::Store(v + i, vi);
    const F denom = V::Add(V::Sqrt(V::Mul(vi, ic2)), eps);
    V::Store(p + i, V::Sub(V::Mul(pi, shrink), V::Div(V::Mul(step, mi), denom)));
  }
  const float stepS = h.lr * h.inv_c1;
  for (; i < n; i++) {
    const float gi = std::fma(h.l2, p[i], g[i]);
    const float mi = std::fma(h.beta1, m[i], (1 - h.beta1) * gi);
    const float vi = std::fma(h.beta2, v[i], (1 - h.beta2) * (gi * gi));
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * h.shrink - (stepS * mi) / (std::sqrt(vi * h.inv_c2) + h.eps);
  }
}

template <class V>
void LambDirectionKernel(const LambHyper& h, const float* p, const float* g, float* m, float* v, float* u,
                         int64_t n, double* p_sq, double* u_sq) {
  using F = typename V::F;
  const F b1 = V::Set(h.beta1), b2 = V::Set(h.beta2), a1 = V::Set(1 - h.beta1), a2 = V::Set(1 - h.beta2);
  const F eps = V::Set(h.eps), ic1 = V::Set(h.inv_c1), ic2 = V::Set(h.inv_c2), wd = V::Set(h.weight_decay);
  double ps = 0, us = 0;
  // f32 partial sums over short blocks, folded into f64, keep the norms accurate for big tensors.
  constexpr int64_t kBlock = 1024;
  int64_t i = 0;
  while (i + V::W <= n) {
    F pacc = V::Set(0), uacc = V::Set(0);
    const int64_t stop = i + kBlock < n ? i + kBlock : n;
    for (; i + V::W <= stop; i += V::W) {
      const F gi = V::Load(g + i), pi = V::Load(p + i);
      const F mi = V::Fma(b1, V::Load(m + i), V::Mul(a1, gi));
      const F vi = V::Fma(b2, V::Load(v + i), V::Mul(a2, V::Mul(gi, gi)));
      V::Store(m + i, mi);
      V::Store(v + i, vi);
      const F ui = V::Fma(wd, pi, V::Div(V::Mul(mi, ic1), V::Add(V::Sqrt(V::Mul(vi, ic2)), eps)));
      V::Store(u + i, ui);
      pacc = V::Fma(pi, pi, pacc);
      uacc = V::Fma(ui, ui, uacc);
    }
    ps += V::ReduceAdd(pacc);
    us += V::ReduceAdd(uacc);
  }
  for (; i < n; i++) {
    const float gi = g[i];
    m[i] = std::fma(h.beta1, m[i], (1 - h.beta1) * gi);
    v[i] = std::fma(h.beta2, v[i], (1 - h.beta2) * (gi * gi));
    const float ui = std::fma(h.weight_decay, p[i], (m[i] * h.inv_c1) / (std::sqrt(v[i] * h.inv_c2) + h.eps));
    u[i] = ui;
    ps += static_cast<double>(p[i]) * p[i];
    us += static_cast<double>(ui) * ui;
  }
  *p_sq = ps;
  *u_sq = us;
}

template <class V>
void AxpyKernel(float step, const float* u, float* p, int64_t n) {
  using F = typename V::F;
  const F s = V::Set(-step);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(p + i, V::Fma(s, V::Load(u + i), V::Load(p + i)));
  for (; i < n; i++) p[i] = std::fma(-step, u[i], p[i]);
}

template <class V>
OptimTable MakeOptimTable() {
  return {SgdKernel<V>, AdamKernel<V>, LambDirectionKernel<V>, AxpyKernel<V>};
}

}  // namespace frugal
