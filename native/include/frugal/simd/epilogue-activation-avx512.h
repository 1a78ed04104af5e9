// The activation a GEMM epilogue applies to a 16-lane tile row in registers (AVX-512), shared by
// the f32 and the u8 x s8 kernels so both apply the same function: GELU-erf in the rational form
// (gelu-erf-rational-avx512.h), the others the elementwise table's vector functions, bit for bit
// the separate passes; relu keeps NaN. kAct is a UnaryOpCode or -1 for none.
#pragma once
#include <immintrin.h>

#include "frugal/elementwise-kernels.h"
#include "frugal/simd/gelu-erf-rational-avx512.h"
#include "frugal/simd/vec-avx512.h"
#include "frugal/simd/vec-math.h"

namespace frugal::avx512 {
namespace {

template <int kAct>
inline __m512 EpilogueActivation(__m512 v) {
  using V = VecAvx512;
  if constexpr (kAct == kGeluErf) return GeluErfRationalAvx512(v);
  if constexpr (kAct == kGeluTanh) return VGeluTanh<V>(v);
  if constexpr (kAct == kRelu) return V::Select(V::IsNan(v), v, _mm512_max_ps(v, _mm512_setzero_ps()));
  if constexpr (kAct == kSilu) return VScaledSigmoid<V>(v, v);
  return v;
}

}  // namespace
}  // namespace frugal::avx512
