// AVX-512 int8 microkernel on int16 k-pairs: a 12 x 32 int32 tile in 24 zmm accumulators, using
// VNNI vpdpwssd when the CPU has it (else vpmaddwd + vpaddd). Same exact int16-pair packing as the
// AVX2 path; the 4-wide u8 x s8 vpdpbusd form would double throughput but needs a +128 shift and
// column-sum compensation. Not executed on the AVX2-only development machine.
#include <immintrin.h>

#include <cstring>

#include "frugal/cpu.h"
#include "frugal/gemm-kernels.h"

namespace frugal::avx512 {
namespace {

constexpr int kMr = 12, kNr = 32;

template <bool kVnni>
void Micro(int64_t kpairs, const int16_t* ap, const int16_t* bp, int32_t* c, int64_t ldc, bool accumulate, int m,
           int n) {
  __m512i acc[kMr][2];
  for (int i = 0; i < kMr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kpairs; q++) {
    const __m512i b0 = _mm512_load_si512(bp);
    const __m512i b1 = _mm512_load_si512(bp + 32);
#pragma GCC unroll 12
    for (int i = 0; i < kMr; i++) {
      int32_t pair;
      std::memcpy(&pair, ap + 2 * i, 4);
      const __m512i a = _mm512_set1_epi32(pair);
      if (kVnni) {
        acc[i][0] = _mm512_dpwssd_epi32(acc[i][0], a, b0);
        acc[i][1] = _mm512_dpwssd_epi32(acc[i][1], a, b1);
      } else {
        acc[i][0] = _mm512_add_epi32(acc[i][0], _mm512_madd_epi16(a, b0));
        acc[i][1] = _mm512_add_epi32(acc[i][1], _mm512_madd_epi16(a, b1));
      }
    }
    ap += kMr * 2;
    bp += kNr * 2;
  }
  const __mmask16 m0 = n >= 16 ? 0xffff : static_cast<__mmask16>((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? 0xffff : n <= 16 ? 0 : static_cast<__mmask16>((1u << (n - 16)) - 1);
  for (int i = 0; i < m; i++) {
    int32_t* row = c + i * ldc;
    __m512i lo = acc[i][0], hi = acc[i][1];
    if (accumulate) {
      lo = _mm512_add_epi32(lo, _mm512_maskz_loadu_epi32(m0, row));
      hi = _mm512_add_epi32(hi, _mm512_maskz_loadu_epi32(m1, row + 16));
    }
    _mm512_mask_storeu_epi32(row, m0, lo);
    _mm512_mask_storeu_epi32(row + 16, m1, hi);
  }
}

}  // namespace

frugal::GemmI8Kernel GemmI8Kernel() {
  return {kMr, kNr, 192, 512, 4096, Cpu().avx512vnni ? Micro<true> : Micro<false>};
}

}  // namespace frugal::avx512
