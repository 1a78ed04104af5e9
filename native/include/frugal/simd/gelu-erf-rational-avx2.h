// GELU-erf for GEMM epilogues (AVX2/FMA), applied to a tile while it is in registers:
// 0.5 x (1 + erf(x / sqrt 2)) with erf(z) = z P(z^2) / Q(z^2) on |z| <= 4, a rational fit (max
// |error| 5.5e-8 in exact arithmetic, 3.9e-7 evaluated in f32), so |error| <= 2e-7 max(|x|, 1).
// One division and eleven FMAs, against two exps and a division for the elementwise table's erfc
// form, whose extra cost is keeping the relative accuracy of the negative tail (|gelu(x)| < 1e-6
// for x < -5); a GEMM epilogue feeding the next layer needs only the absolute accuracy. Below
// z = -4 erf is -1 in f32 and the result is 0 (also at -inf). The same function as the f32
// GEMM's epilogue (gemm-f32-avx2.cc), so f32 and INT8 layers apply the same GELU.
#pragma once
#include <immintrin.h>

namespace frugal::avx2 {
namespace {

inline __m256 GeluErfRationalAvx2(__m256 x) {
  const __m256 h = _mm256_mul_ps(x, _mm256_set1_ps(0.5f));
  const __m256 zu = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 z = _mm256_min_ps(_mm256_max_ps(zu, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  const __m256 t = _mm256_mul_ps(z, z);
  __m256 p = _mm256_set1_ps(1.921828918e-08f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.990299779e-06f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.555209892e-04f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(4.292332102e-03f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(5.243115500e-02f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.139273882e-01f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.128378630e+00f));
  __m256 q = _mm256_set1_ps(1.097868313e-03f);
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.554961037e-02f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.207924485e-01f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(5.229158998e-01f));
  q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.0f));
  __m256 e = _mm256_div_ps(_mm256_mul_ps(z, p), q);
  e = _mm256_min_ps(_mm256_max_ps(e, _mm256_set1_ps(-1.0f)), _mm256_set1_ps(1.0f));
  // NaN x: h is NaN and so is the result.
  const __m256 r = _mm256_fmadd_ps(h, e, h);
  return _mm256_blendv_ps(r, _mm256_setzero_ps(), _mm256_cmp_ps(zu, _mm256_set1_ps(-4.0f), _CMP_LT_OQ));
}

}  // namespace
}  // namespace frugal::avx2
