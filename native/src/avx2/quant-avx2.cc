// AVX2 token-wise INT8 quantization of one row (contract in frugal/quant-kernels.h): a vector
// max|x| pass, then multiply, round to nearest even (vcvtps2dq in the default MXCSR mode),
// clamp and narrow 32 values at a time.
#include <immintrin.h>

#include <cmath>

#include "frugal/quant-kernels.h"

namespace frugal::avx2 {

namespace {

// kShift: store code + 128 (the sign bit flipped) as u8.
template <bool kShift>
float QuantizeRow(const float* x, int64_t cols, int8_t* out) {
  const __m256 signMask = _mm256_set1_ps(-0.0f);
  __m256 vmax = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= cols; j += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(signMask, _mm256_loadu_ps(x + j)));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  float absmax = 0.0f;
  for (float v : lanes) absmax = std::fmax(absmax, v);
  for (; j < cols; j++) absmax = std::fmax(absmax, std::fabs(x[j]));
  const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
  const __m256 vinv = _mm256_set1_ps(inv);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  // packs interleave 128-bit lanes; this permutation restores element order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  j = 0;
  for (; j + 32 <= cols; j += 32) {
    __m256i q[4];
    for (int t = 0; t < 4; t++) {
      const __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * t), vinv));
      q[t] = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    }
    const __m256i w01 = _mm256_packs_epi32(q[0], q[1]);
    const __m256i w23 = _mm256_packs_epi32(q[2], q[3]);
    __m256i b = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), order);
    if (kShift) b = _mm256_xor_si256(b, _mm256_set1_epi8(static_cast<char>(0x80)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j), b);
  }
  for (; j < cols; j++) {
    const float v = std::nearbyint(x[j] * inv);
    const int code = static_cast<int>(std::fmin(127.0f, std::fmax(-127.0f, v)));
    out[j] = static_cast<int8_t>(kShift ? code ^ -128 : code);
  }
  return absmax / 127.0f;
}

}  // namespace

float QuantizeRowI8(const float* x, int64_t cols, int8_t* out) { return QuantizeRow<false>(x, cols, out); }

float QuantizeRowU8(const float* x, int64_t cols, uint8_t* out) {
  return QuantizeRow<true>(x, cols, reinterpret_cast<int8_t*>(out));
}

}  // namespace frugal::avx2
