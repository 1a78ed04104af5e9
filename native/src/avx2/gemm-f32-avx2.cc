// AVX2/FMA f32 microkernel: a 6 x 16 tile held in 12 ymm accumulators; per k step two B loads,
// six A broadcasts and twelve FMAs. Blocks sized for Zen 3 (L1d 32 KiB, L2 512 KiB):
// B micro-panel 256 x 16 x 4 B = 16 KiB, A block 144 x 256 x 4 B = 144 KiB.
#include <immintrin.h>

#include "frugal/gemm-kernels.h"

namespace frugal::avx2 {
namespace {

constexpr int kMr = 6, kNr = 16;

inline void StoreRow(float* c, __m256 lo, __m256 hi, __m256 va, float beta) {
  lo = _mm256_mul_ps(lo, va);
  hi = _mm256_mul_ps(hi, va);
  if (beta != 0.0f) {
    const __m256 vb = _mm256_set1_ps(beta);
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(c), vb, lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(c + 8), vb, hi);
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}

void Micro(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta, int m,
           int n) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // Touch the C tile early so its lines arrive while the k loop runs.
  for (int i = 0; i < m; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; p++) {
    _mm_prefetch(reinterpret_cast<const char*>(ap + 48), _MM_HINT_T0);
    const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += kMr;
    bp += kNr;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if (m == kMr && n == kNr) {
    StoreRow(c, c00, c01, va, beta);
    StoreRow(c + ldc, c10, c11, va, beta);
    StoreRow(c + 2 * ldc, c20, c21, va, beta);
    StoreRow(c + 3 * ldc, c30, c31, va, beta);
    StoreRow(c + 4 * ldc, c40, c41, va, beta);
    StoreRow(c + 5 * ldc, c50, c51, va, beta);
    return;
  }
  alignas(32) float t[kMr * kNr];
  StoreRow(t, c00, c01, va, 0.0f);
  StoreRow(t + 16, c10, c11, va, 0.0f);
  StoreRow(t + 32, c20, c21, va, 0.0f);
  StoreRow(t + 48, c30, c31, va, 0.0f);
  StoreRow(t + 64, c40, c41, va, 0.0f);
  StoreRow(t + 80, c50, c51, va, 0.0f);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float& out = c[i * ldc + j];
      out = beta == 0.0f ? t[i * kNr + j] : t[i * kNr + j] + beta * out;
    }
}

}  // namespace

frugal::GemmF32Kernel GemmF32Kernel() { return {kMr, kNr, 144, 256, 3072, Micro}; }

}  // namespace frugal::avx2
