#include <immintrin.h>

#include "frugal/fma-peak.h"

namespace frugal::avx2 {

double FmaLoop(int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
  volatile float sink = _mm256_cvtss_f32(s);  // keeps the loop from being optimised away
  (void)sink;
  return static_cast<double>(iters) * 12 * 8 * 2;
}

}  // namespace frugal::avx2
