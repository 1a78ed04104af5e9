// Elementwise maps over any vector traits V; tails run through a W-lane buffer so that every
// element goes through exactly the same vector code (tail results match the body bit for bit).
#pragma once
#include <cmath>
#include <cstdint>

#include "frugal/elementwise-kernels.h"
#include "frugal/simd/vec-math.h"

namespace frugal {
namespace {

template <class V, class Fn>
void MapUnary(const float* x, float* out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(out + i, fn(V::Load(x + i)));
  if (i < n) {
    float buf[V::W] = {};
    for (int64_t j = i; j < n; j++) buf[j - i] = x[j];
    V::Store(buf, fn(V::Load(buf)));
    for (int64_t j = i; j < n; j++) out[j] = buf[j - i];
  }
}

template <class V>
void Unary(int op, const float* x, float* out, int64_t n) {
  using F = typename V::F;
  switch (op) {
    case kNeg: return MapUnary<V>(x, out, n, [](F v) { return V::Neg(v); });
    case kAbs: return MapUnary<V>(x, out, n, [](F v) { return V::Abs(v); });
    case kExp: return MapUnary<V>(x, out, n, [](F v) { return VExp<V>(v); });
    case kLog: return MapUnary<V>(x, out, n, [](F v) { return VLog<V>(v); });
    case kSqrt: return MapUnary<V>(x, out, n, [](F v) { return V::Sqrt(v); });
    case kRsqrt: return MapUnary<V>(x, out, n, [](F v) { return V::Div(V::Set(1.0f), V::Sqrt(v)); });
    case kTanh: return MapUnary<V>(x, out, n, [](F v) { return VTanh<V>(v); });
    case kSigmoid: return MapUnary<V>(x, out, n, [](F v) { return VScaledSigmoid<V>(V::Set(1.0f), v); });
    case kRelu:
      return MapUnary<V>(x, out, n, [](F v) { return V::Select(V::IsNan(v), v, V::Max(v, V::Set(0.0f))); });
    case kGeluTanh: return MapUnary<V>(x, out, n, [](F v) { return VGeluTanh<V>(v); });
    case kGeluErf: return MapUnary<V>(x, out, n, [](F v) { return VGeluErf<V>(v); });
    case kSilu: return MapUnary<V>(x, out, n, [](F v) { return VScaledSigmoid<V>(v, v); });
    default: return;
  }
}

template <class V, class Fn>
void MapVecVec(const float* a, const float* b, float* out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(out + i, fn(V::Load(a + i), V::Load(b + i)));
  if (i < n) {
    float ba[V::W] = {}, bb[V::W] = {};
    for (int64_t j = i; j < n; j++) ba[j - i] = a[j], bb[j - i] = b[j];
    V::Store(ba, fn(V::Load(ba), V::Load(bb)));
    for (int64_t j = i; j < n; j++) out[j] = ba[j - i];
  }
}

template <class V, class Fn>
void MapVecScalar(const float* a, float b, float* out, int64_t n, Fn fn) {
  const typename V::F vb = V::Set(b);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(out + i, fn(V::Load(a + i), vb));
  if (i < n) {
    float ba[V::W] = {};
    for (int64_t j = i; j < n; j++) ba[j - i] = a[j];
    V::Store(ba, fn(V::Load(ba), vb));
    for (int64_t j = i; j < n; j++) out[j] = ba[j - i];
  }
}

// Walks [begin, end) in segments where b is either contiguous (inner == 1) or constant.
template <class V, class Fn>
void BinaryRange(const float* a, const float* b, int64_t bLen, int64_t inner, float* out, int64_t begin, int64_t end,
                 Fn fn) {
  if (bLen == 1) return MapVecScalar<V>(a + begin, b[0], out + begin, end - begin, fn);
  int64_t i = begin;
  while (i < end) {
    if (inner == 1) {
      const int64_t j = i % bLen;
      const int64_t len = end - i < bLen - j ? end - i : bLen - j;
      MapVecVec<V>(a + i, b + j, out + i, len, fn);
      i += len;
    } else {
      const int64_t len = end - i < inner - i % inner ? end - i : inner - i % inner;
      MapVecScalar<V>(a + i, b[(i / inner) % bLen], out + i, len, fn);
      i += len;
    }
  }
}

template <class V>
typename V::F KeepNan(typename V::F r, typename V::F a, typename V::F b) {
  r = V::Select(V::IsNan(a), a, r);
  return V::Select(V::IsNan(b), b, r);
}

template <class V>
void Binary(int op, const float* a, const float* b, int64_t bLen, int64_t inner, float* out, int64_t begin,
            int64_t end) {
  using F = typename V::F;
  switch (op) {
    case kAdd: return BinaryRange<V>(a, b, bLen, inner, out, begin, end, [](F x, F y) { return V::Add(x, y); });
    case kSub: return BinaryRange<V>(a, b, bLen, inner, out, begin, end, [](F x, F y) { return V::Sub(x, y); });
    case kMul: return BinaryRange<V>(a, b, bLen, inner, out, begin, end, [](F x, F y) { return V::Mul(x, y); });
    case kDiv: return BinaryRange<V>(a, b, bLen, inner, out, begin, end, [](F x, F y) { return V::Div(x, y); });
    case kMaximum:
      return BinaryRange<V>(a, b, bLen, inner, out, begin, end,
                            [](F x, F y) { return KeepNan<V>(V::Max(x, y), x, y); });
    case kMinimum:
      return BinaryRange<V>(a, b, bLen, inner, out, begin, end,
                            [](F x, F y) { return KeepNan<V>(V::Min(x, y), x, y); });
    case kPow:
      // powf is exact to < 1 ulp; a vector exp(b log a) would lose |b log a| ulps.
      for (int64_t i = begin; i < end; i++) out[i] = std::pow(a[i], b[(i / inner) % bLen]);
      return;
    default: return;
  }
}

}  // namespace
}  // namespace frugal
