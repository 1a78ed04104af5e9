// Sixteen-lane AVX-512 traits for the kernel templates; include only from native/src/avx512/.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace frugal {

struct VecAvx512 {
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int W = 16;
  static F Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F Set(float v) { return _mm512_set1_ps(v); }
  static F Add(F a, F b) { return _mm512_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm512_div_ps(a, b); }
  static F Max(F a, F b) { return _mm512_max_ps(a, b); }
  static F Min(F a, F b) { return _mm512_min_ps(a, b); }
  static F Sqrt(F a) { return _mm512_sqrt_ps(a); }
  static F Fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F Abs(F a) { return _mm512_abs_ps(a); }
  static F Neg(F a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN))); }
  static F Round(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static I ToInt(F a) { return _mm512_cvtps_epi32(a); }
  static F IntToF(I a) { return _mm512_cvtepi32_ps(a); }
  static I Bits(F a) { return _mm512_castps_si512(a); }
  static F FromBits(I i) { return _mm512_castsi512_ps(i); }
  static I SetI(int32_t v) { return _mm512_set1_epi32(v); }
  static I AddI(I a, I b) { return _mm512_add_epi32(a, b); }
  static I SubI(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I AndI(I a, I b) { return _mm512_and_si512(a, b); }
  static I OrI(I a, I b) { return _mm512_or_si512(a, b); }
  template <int S> static I SrlI(I a) { return _mm512_srli_epi32(a, S); }
  template <int S> static I SraI(I a) { return _mm512_srai_epi32(a, S); }
  template <int S> static I SllI(I a) { return _mm512_slli_epi32(a, S); }
  static M Lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M Le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M Gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M Eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M IsNan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M Or(M a, M b) { return static_cast<M>(a | b); }
  static F Select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  static bool Any(M m) { return m != 0; }
  static float ReduceAdd(F a) { return _mm512_reduce_add_ps(a); }
  static float ReduceMax(F a) { return _mm512_reduce_max_ps(a); }
  static float ReduceMin(F a) { return _mm512_reduce_min_ps(a); }

  // dst[c * dstStride + r] = src[r * srcStride + c] for a 16 x 16 tile: pairs of rows interleave
  // (unpack), then 4 x 4 blocks within each 128-bit lane (shuffle), then the lanes (shuffle_f32x4).
  static void Transpose16(const float* src, int64_t srcStride, float* dst, int64_t dstStride) {
    F r[16], t[16], u[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * srcStride);
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // u[4i + c], lane L: column 4L + c of rows 4i .. 4i + 3.
    for (int i = 0; i < 16; i += 4) {
      u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
      u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
      u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
      const F x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44), x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
      const F y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44), y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
      _mm512_storeu_ps(dst + c * dstStride, _mm512_shuffle_f32x4(x0, y0, 0x88));
      _mm512_storeu_ps(dst + (4 + c) * dstStride, _mm512_shuffle_f32x4(x0, y0, 0xDD));
      _mm512_storeu_ps(dst + (8 + c) * dstStride, _mm512_shuffle_f32x4(x1, y1, 0x88));
      _mm512_storeu_ps(dst + (12 + c) * dstStride, _mm512_shuffle_f32x4(x1, y1, 0xDD));
    }
  }
};

}  // namespace frugal
