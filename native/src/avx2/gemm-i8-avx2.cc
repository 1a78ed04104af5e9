// AVX2 int8 microkernel on int16 k-pairs: a 6 x 16 int32 tile in 12 ymm accumulators; per k-pair
// two B loads (16 columns x 2), six 32-bit A broadcasts, twelve vpmaddwd + vpaddd.
#include <immintrin.h>

#include <cstring>

#include "frugal/gemm-kernels.h"

namespace frugal::avx2 {
namespace {

constexpr int kMr = 6, kNr = 16;

inline __m256i BroadcastPair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

inline void StoreRow(int32_t* c, __m256i lo, __m256i hi, bool accumulate) {
  if (accumulate) {
    lo = _mm256_add_epi32(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c)));
    hi = _mm256_add_epi32(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + 8)));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(c), lo);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + 8), hi);
}

#define FRUGAL_I8_ROW(r, c0, c1)                                       \
  {                                                                     \
    const __m256i a = BroadcastPair(ap + 2 * (r));                      \
    c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(a, b0));               \
    c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(a, b1));               \
  }

// Named accumulators (not an array) so that GCC keeps all twelve in registers.
void Micro(int64_t kpairs, const int16_t* ap, const int16_t* bp, int32_t* c, int64_t ldc, bool accumulate, int m,
           int n) {
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t q = 0; q < kpairs; q++) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bp));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bp + 16));
    FRUGAL_I8_ROW(0, c00, c01)
    FRUGAL_I8_ROW(1, c10, c11)
    FRUGAL_I8_ROW(2, c20, c21)
    FRUGAL_I8_ROW(3, c30, c31)
    FRUGAL_I8_ROW(4, c40, c41)
    FRUGAL_I8_ROW(5, c50, c51)
    ap += kMr * 2;
    bp += kNr * 2;
  }
  const __m256i acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (m == kMr && n == kNr) {
    for (int i = 0; i < kMr; i++) StoreRow(c + i * ldc, acc[i][0], acc[i][1], accumulate);
    return;
  }
  alignas(32) int32_t t[kMr * kNr];
  for (int i = 0; i < kMr; i++) StoreRow(t + i * kNr, acc[i][0], acc[i][1], false);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + t[i * kNr + j] : t[i * kNr + j];
}

#undef FRUGAL_I8_ROW

}  // namespace

frugal::GemmI8Kernel GemmI8Kernel() { return {kMr, kNr, 144, 512, 3072, Micro}; }

}  // namespace frugal::avx2
