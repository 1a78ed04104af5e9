// GELU-erf for AVX-512 GEMM epilogues: the same rational form and coefficients as
// gelu-erf-rational-avx2.h (|error| <= 2e-7 max(|x|, 1)), sixteen lanes, so that the f32 and INT8
// layers of an AVX-512 machine apply the GELU an AVX2 machine applies, to the last bit.
#pragma once
#include <immintrin.h>

namespace frugal::avx512 {
namespace {

inline __m512 GeluErfRationalAvx512(__m512 x) {
  const __m512 h = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
  const __m512 zu = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
  const __m512 z = _mm512_min_ps(_mm512_max_ps(zu, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  const __m512 t = _mm512_mul_ps(z, z);
  __m512 p = _mm512_set1_ps(1.921828918e-08f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.990299779e-06f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.555209892e-04f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(4.292332102e-03f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(5.243115500e-02f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(2.139273882e-01f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.128378630e+00f));
  __m512 q = _mm512_set1_ps(1.097868313e-03f);
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.554961037e-02f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.207924485e-01f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(5.229158998e-01f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.0f));
  __m512 e = _mm512_div_ps(_mm512_mul_ps(z, p), q);
  e = _mm512_min_ps(_mm512_max_ps(e, _mm512_set1_ps(-1.0f)), _mm512_set1_ps(1.0f));
  // NaN x: h is NaN and so is the result.
  const __m512 r = _mm512_fmadd_ps(h, e, h);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(zu, _mm512_set1_ps(-4.0f), _CMP_LT_OQ), r, _mm512_setzero_ps());
}

}  // namespace
}  // namespace frugal::avx512
