// Vectorised transcendental functions over any traits V (VecScalar, VecAvx2, VecAvx512).
// exp and log follow Cephes (Cody-Waite reduction + minimax polynomial, ~1-2 ulp); erfc uses
// the Numerical Recipes Chebyshev fit (relative error < 1.2e-7) with an exactly split x^2.
// Include after the traits header; everything here has internal linkage per ISA object file.
#pragma once
#include <cstdint>

namespace frugal {
namespace {

template <class V>
typename V::F VExp(typename V::F x) {
  using F = typename V::F;
  using I = typename V::I;
  const F xc = V::Min(V::Max(x, V::Set(-104.0f)), V::Set(88.72284f));
  const F n = V::Round(V::Mul(xc, V::Set(1.44269504088896341f)));
  F r = V::Fma(n, V::Set(-0.693359375f), xc);
  r = V::Fma(n, V::Set(2.12194440e-4f), r);
  F p = V::Set(1.9875691500e-4f);
  p = V::Fma(p, r, V::Set(1.3981999507e-3f));
  p = V::Fma(p, r, V::Set(8.3334519073e-3f));
  p = V::Fma(p, r, V::Set(4.1665795894e-2f));
  p = V::Fma(p, r, V::Set(1.6666665459e-1f));
  p = V::Fma(p, r, V::Set(5.0000001201e-1f));
  F y = V::Fma(V::Mul(p, r), r, V::Add(r, V::Set(1.0f)));
  // 2^n as two factors so that n in [-150, 128] (subnormal results, exp(88.7)) stays exact.
  const I ni = V::ToInt(n);
  const I n1 = V::template SraI<1>(ni), n2 = V::SubI(ni, n1);
  const F s1 = V::FromBits(V::template SllI<23>(V::AddI(n1, V::SetI(127))));
  const F s2 = V::FromBits(V::template SllI<23>(V::AddI(n2, V::SetI(127))));
  y = V::Mul(V::Mul(y, s1), s2);
  y = V::Select(V::Gt(x, V::Set(88.72284f)), V::Set(__builtin_inff()), y);
  y = V::Select(V::Lt(x, V::Set(-104.0f)), V::Set(0.0f), y);
  return V::Select(V::IsNan(x), x, y);
}

template <class V>
typename V::F VLog(typename V::F x) {
  using F = typename V::F;
  using I = typename V::I;
  // Subnormal inputs are scaled into the normal range first.
  const auto tiny = V::Lt(x, V::Set(1.17549435e-38f));
  const F xs = V::Select(tiny, V::Mul(x, V::Set(8388608.0f)), x);
  const I bits = V::Bits(xs);
  F e = V::IntToF(V::SubI(V::template SrlI<23>(V::AndI(bits, V::SetI(0x7fffffff))), V::SetI(126)));
  e = V::Select(tiny, V::Sub(e, V::Set(23.0f)), e);
  F m = V::FromBits(V::OrI(V::AndI(bits, V::SetI(0x007fffff)), V::SetI(0x3f000000)));
  const auto small = V::Lt(m, V::Set(0.707106781186547524f));
  e = V::Select(small, V::Sub(e, V::Set(1.0f)), e);
  m = V::Select(small, V::Sub(V::Add(m, m), V::Set(1.0f)), V::Sub(m, V::Set(1.0f)));
  const F z = V::Mul(m, m);
  F p = V::Set(7.0376836292e-2f);
  p = V::Fma(p, m, V::Set(-1.1514610310e-1f));
  p = V::Fma(p, m, V::Set(1.1676998740e-1f));
  p = V::Fma(p, m, V::Set(-1.2420140846e-1f));
  p = V::Fma(p, m, V::Set(1.4249322787e-1f));
  p = V::Fma(p, m, V::Set(-1.6668057665e-1f));
  p = V::Fma(p, m, V::Set(2.0000714765e-1f));
  p = V::Fma(p, m, V::Set(-2.4999993993e-1f));
  p = V::Fma(p, m, V::Set(3.3333331174e-1f));
  F y = V::Mul(V::Mul(p, m), z);
  y = V::Fma(e, V::Set(-2.12194440e-4f), y);
  y = V::Fma(z, V::Set(-0.5f), y);
  F r = V::Add(m, y);
  r = V::Fma(e, V::Set(0.693359375f), r);
  r = V::Select(V::Eq(x, V::Set(__builtin_inff())), x, r);
  r = V::Select(V::Eq(x, V::Set(0.0f)), V::Set(-__builtin_inff()), r);
  r = V::Select(V::Lt(x, V::Set(0.0f)), V::Set(__builtin_nanf("")), r);
  return V::Select(V::IsNan(x), x, r);
}

template <class V>
typename V::F VTanh(typename V::F x) {
  using F = typename V::F;
  const F ax = V::Abs(x);
  const F z = V::Mul(x, x);
  F p = V::Set(-5.70498872745e-3f);
  p = V::Fma(p, z, V::Set(2.06390887954e-2f));
  p = V::Fma(p, z, V::Set(-5.37397155531e-2f));
  p = V::Fma(p, z, V::Set(1.33314422036e-1f));
  p = V::Fma(p, z, V::Set(-3.33332819422e-1f));
  const F smallY = V::Fma(V::Mul(p, z), x, x);
  const F e = VExp<V>(V::Add(ax, ax));
  F big = V::Sub(V::Set(1.0f), V::Div(V::Set(2.0f), V::Add(e, V::Set(1.0f))));
  big = V::Select(V::Lt(x, V::Set(0.0f)), V::Neg(big), big);
  return V::Select(V::Lt(ax, V::Set(0.625f)), smallY, big);
}

// x / (1 + exp(-y)): sigmoid(y) scaled by x without cancellation for large |y|.
template <class V>
typename V::F VScaledSigmoid(typename V::F x, typename V::F y) {
  return V::Div(x, V::Add(V::Set(1.0f), VExp<V>(V::Neg(y))));
}

// erfc(|x| / sqrt 2) with full relative accuracy in the tail (Numerical Recipes' erfcc
// Chebyshev fit, |rel err| < 1.2e-7); the caller handles |x| > 20, where it underflows.
template <class V>
typename V::F VErfcAbsHalf(typename V::F x) {
  using F = typename V::F;
  const F z = V::Mul(V::Abs(x), V::Set(0.70710678118654752f));
  const F t = V::Div(V::Set(1.0f), V::Fma(z, V::Set(0.5f), V::Set(1.0f)));
  F p = V::Set(0.17087277f);
  p = V::Fma(p, t, V::Set(-0.82215223f));
  p = V::Fma(p, t, V::Set(1.48851587f));
  p = V::Fma(p, t, V::Set(-1.13520398f));
  p = V::Fma(p, t, V::Set(0.27886807f));
  p = V::Fma(p, t, V::Set(-0.18628806f));
  p = V::Fma(p, t, V::Set(0.09678418f));
  p = V::Fma(p, t, V::Set(0.37409196f));
  p = V::Fma(p, t, V::Set(1.00002368f));
  p = V::Fma(p, t, V::Set(-1.26551223f));
  // z^2 = x^2 / 2 split exactly into hi + lo, so exp(-z^2) keeps full relative accuracy.
  const F hi = V::Mul(x, x);
  const F lo = V::Fma(x, x, V::Neg(hi));
  return V::Mul(V::Mul(t, VExp<V>(V::Mul(hi, V::Set(-0.5f)))), VExp<V>(V::Fma(lo, V::Set(-0.5f), p)));
}

// 0.5 * x * (1 + erf(x / sqrt 2)) computed as x - 0.5 x erfc(|x|/sqrt 2) (x >= 0) or
// 0.5 x erfc(|x|/sqrt 2) (x < 0), so the negative tail keeps its relative accuracy.
template <class V>
typename V::F VGeluErf(typename V::F x) {
  using F = typename V::F;
  const F ax = V::Abs(x);
  const F erfc = VErfcAbsHalf<V>(x);
  const F halfXErfc = V::Mul(V::Mul(x, V::Set(0.5f)), erfc);
  const F r = V::Select(V::Lt(x, V::Set(0.0f)), halfXErfc, V::Sub(x, halfXErfc));
  // Beyond |x| = 20, erfc underflows (and x^2 may overflow): the limits are x and 0.
  const F limit = V::Select(V::Gt(x, V::Set(0.0f)), x, V::Set(0.0f));
  return V::Select(V::Gt(ax, V::Set(20.0f)), limit, r);
}

template <class V>
typename V::F VGeluTanh(typename V::F x) {
  using F = typename V::F;
  const F x3 = V::Mul(V::Mul(x, x), x);
  const F u = V::Mul(V::Set(0.7978845608028654f), V::Fma(x3, V::Set(0.044715f), x));
  return VScaledSigmoid<V>(x, V::Add(u, u));
}

}  // namespace
}  // namespace frugal
