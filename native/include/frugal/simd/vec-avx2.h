// Eight-lane AVX2/FMA traits for the kernel templates; include only from native/src/avx2/.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace frugal {

struct VecAvx2 {
  using F = __m256;
  using I = __m256i;
  using M = __m256;
  static constexpr int W = 8;
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F Set(float v) { return _mm256_set1_ps(v); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm256_div_ps(a, b); }
  // Operand order matters for NaN: the kernels re-insert NaN explicitly where it must propagate.
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static F Min(F a, F b) { return _mm256_min_ps(a, b); }
  static F Sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F Fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F Abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static F Neg(F a) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), a); }
  static F Round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static I ToInt(F a) { return _mm256_cvtps_epi32(a); }
  static F IntToF(I a) { return _mm256_cvtepi32_ps(a); }
  static I Bits(F a) { return _mm256_castps_si256(a); }
  static F FromBits(I i) { return _mm256_castsi256_ps(i); }
  static I SetI(int32_t v) { return _mm256_set1_epi32(v); }
  static I AddI(I a, I b) { return _mm256_add_epi32(a, b); }
  static I SubI(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I AndI(I a, I b) { return _mm256_and_si256(a, b); }
  static I OrI(I a, I b) { return _mm256_or_si256(a, b); }
  template <int S> static I SrlI(I a) { return _mm256_srli_epi32(a, S); }
  template <int S> static I SraI(I a) { return _mm256_srai_epi32(a, S); }
  template <int S> static I SllI(I a) { return _mm256_slli_epi32(a, S); }
  static M Lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M Le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M Gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M Eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M IsNan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M Or(M a, M b) { return _mm256_or_ps(a, b); }
  static F Select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static bool Any(M m) { return _mm256_movemask_ps(m) != 0; }
  static float ReduceAdd(F a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float ReduceMax(F a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float ReduceMin(F a) {
    __m128 s = _mm_min_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_min_ps(s, _mm_movehl_ps(s, s));
    s = _mm_min_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace frugal
