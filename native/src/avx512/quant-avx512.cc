// AVX-512 token-wise INT8 quantization of one row (contract in frugal/quant-kernels.h), the same
// arithmetic as the AVX2 kernel on 16 lanes: max|x| over four accumulators, then multiply, round
// to nearest even (vcvtps2dq, default MXCSR), clamp to [-127, 127] and narrow with vpmovsdb. The
// row's tail runs through the same vector code under a mask.
#include <immintrin.h>

#include "frugal/quant-kernels.h"

namespace frugal::avx512 {

namespace {

__mmask16 TailMask(int64_t left) { return left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1); }

// kShift: store code + 128 (the sign bit flipped) as u8.
template <bool kShift>
float QuantizeRow(const float* x, int64_t cols, int8_t* out) {
  __m512 m0 = _mm512_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;
  int64_t j = 0;
  for (; j + 64 <= cols; j += 64) {
    m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_loadu_ps(x + j)));
    m1 = _mm512_max_ps(m1, _mm512_abs_ps(_mm512_loadu_ps(x + j + 16)));
    m2 = _mm512_max_ps(m2, _mm512_abs_ps(_mm512_loadu_ps(x + j + 32)));
    m3 = _mm512_max_ps(m3, _mm512_abs_ps(_mm512_loadu_ps(x + j + 48)));
  }
  for (; j < cols; j += 16)
    m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_maskz_loadu_ps(TailMask(cols - j), x + j)));
  const float absmax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
  const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
  const __m512 vinv = _mm512_set1_ps(inv);
  const __m512i lo = _mm512_set1_epi32(-127);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  // vpmovsdb saturates to [-128, 127]; the max makes the lower bound -127.
  const auto codes = [&](__m512 v) {
    const __m128i b = _mm512_cvtsepi32_epi8(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, vinv)), lo));
    return kShift ? _mm_xor_si128(b, flip) : b;
  };
  // Masked stores are slow on Zen 4: whole blocks of 16 use plain ones, only the tail a mask.
  for (j = 0; j + 16 <= cols; j += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), codes(_mm512_loadu_ps(x + j)));
  if (j < cols) {
    const __mmask16 k = TailMask(cols - j);
    _mm_mask_storeu_epi8(out + j, k, codes(_mm512_maskz_loadu_ps(k, x + j)));
  }
  return absmax / 127.0f;
}

}  // namespace

float QuantizeRowI8(const float* x, int64_t cols, int8_t* out) { return QuantizeRow<false>(x, cols, out); }

float QuantizeRowU8(const float* x, int64_t cols, uint8_t* out) {
  return QuantizeRow<true>(x, cols, reinterpret_cast<int8_t*>(out));
}

}  // namespace frugal::avx512
