// AVX-512 f32 microkernel: a 12 x 32 tile in 24 zmm accumulators (two B loads, twelve
// broadcasts, 24 FMAs per k step). Written for Zen 4 / Sapphire Rapids; the development machine
// has no AVX-512, so this path is compiled and dispatched by cpuid but has not been executed here.
#include <immintrin.h>

#include "frugal/gemm-kernels.h"

namespace frugal::avx512 {
namespace {

constexpr int kMr = 12, kNr = 32;

void Micro(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta, int m,
           int n) {
  __m512 acc[kMr][2];
  for (int i = 0; i < kMr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
    for (int i = 0; i < kMr; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
    ap += kMr;
    bp += kNr;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 m0 = n >= 16 ? 0xffff : static_cast<__mmask16>((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? 0xffff : n <= 16 ? 0 : static_cast<__mmask16>((1u << (n - 16)) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    if (i >= m) break;
    float* row = c + i * ldc;
    __m512 lo = _mm512_mul_ps(acc[i][0], va), hi = _mm512_mul_ps(acc[i][1], va);
    if (beta != 0.0f) {
      lo = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, row), vb, lo);
      hi = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, row + 16), vb, hi);
    }
    _mm512_mask_storeu_ps(row, m0, lo);
    _mm512_mask_storeu_ps(row + 16, m1, hi);
  }
}

}  // namespace

frugal::GemmF32Kernel GemmF32Kernel() { return {kMr, kNr, 192, 384, 4096, Micro}; }

}  // namespace frugal::avx512
