// One-lane "vector" traits: the portable path runs the same kernel templates as the SIMD paths,
// so every ISA level uses the same algorithms (and the same approximations).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace frugal {

struct VecScalar {
  using F = float;
  using I = int32_t;
  using M = bool;
  static constexpr int W = 1;
  static F Load(const float* p) { return *p; }
  static void Store(float* p, F v) { *p = v; }
  static F Set(float v) { return v; }
  static F Add(F a, F b) { return a + b; }
  static F Sub(F a, F b) { return a - b; }
  static F Mul(F a, F b) { return a * b; }
  static F Div(F a, F b) { return a / b; }
  static F Max(F a, F b) { return a > b ? a : b; }
  static F Min(F a, F b) { return a < b ? a : b; }
  static F Sqrt(F a) { return std::sqrt(a); }
  static F Fma(F a, F b, F c) { return std::fma(a, b, c); }
  static F Abs(F a) { return std::fabs(a); }
  static F Neg(F a) { return -a; }
  static F Round(F a) { return std::nearbyint(a); }
  static I ToInt(F a) { return static_cast<I>(a); }
  static F IntToF(I a) { return static_cast<F>(a); }
  static I Bits(F a) {
    I i;
    std::memcpy(&i, &a, 4);
    return i;
  }
  static F FromBits(I i) {
    F f;
    std::memcpy(&f, &i, 4);
    return f;
  }
  static I SetI(int32_t v) { return v; }
  static I AddI(I a, I b) { return static_cast<I>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
  static I SubI(I a, I b) { return static_cast<I>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
  static I AndI(I a, I b) { return a & b; }
  static I OrI(I a, I b) { return a | b; }
  template <int S> static I SrlI(I a) { return static_cast<I>(static_cast<uint32_t>(a) >> S); }
  template <int S> static I SraI(I a) { return a >> S; }
  template <int S> static I SllI(I a) { return static_cast<I>(static_cast<uint32_t>(a) << S); }
  static M Lt(F a, F b) { return a < b; }
  static M Le(F a, F b) { return a <= b; }
  static M Gt(F a, F b) { return a > b; }
  static M Eq(F a, F b) { return a == b; }
  static M IsNan(F a) { return a != a; }
  static M Or(M a, M b) { return a || b; }
  static F Select(M m, F a, F b) { return m ? a : b; }
  static bool Any(M m) { return m; }
  static float ReduceAdd(F a) { return a; }
  static float ReduceMax(F a) { return a; }
  static float ReduceMin(F a) { return a; }
};

}  // namespace frugal
