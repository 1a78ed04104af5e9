#include <immintrin.h>

#include "frugal/fma-peak.h"

namespace frugal::avx512 {

double FmaLoop(int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);  // keeps the loop from being optimised away
  (void)sink;
  return static_cast<double>(iters) * 12 * 16 * 2;
}

}  // namespace frugal::avx512
