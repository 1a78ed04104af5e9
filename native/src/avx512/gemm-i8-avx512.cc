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
inline __m512i Dot(__m512i acc, __m512i a, __m512i b) {
  if (kVnni) return _mm512_dpwssd_epi32(acc, a, b);
  return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
}

#define FRUGAL_I8_ROW(r, c0, c1)                        \
  {                                                      \
    int32_t pair;                                        \
    std::memcpy(&pair, ap + 2 * (r), 4);                 \
    const __m512i a = _mm512_set1_epi32(pair);           \
    c0 = Dot<kVnni>(c0, a, b0);                          \
    c1 = Dot<kVnni>(c1, a, b1);                          \
  }

// Named accumulators (not an array): GCC spills an accumulator array to the stack.
template <bool kVnni>
void Micro(int64_t kpairs, const int16_t* ap, const int16_t* bp, int32_t* c, int64_t ldc, bool accumulate, int m,
           int n) {
  __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m512i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  __m512i c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
  __m512i c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
  for (int64_t q = 0; q < kpairs; q++) {
    const __m512i b0 = _mm512_load_si512(bp);
    const __m512i b1 = _mm512_load_si512(bp + 32);
    FRUGAL_I8_ROW(0, c00, c01)
    FRUGAL_I8_ROW(1, c10, c11)
    FRUGAL_I8_ROW(2, c20, c21)
    FRUGAL_I8_ROW(3, c30, c31)
    FRUGAL_I8_ROW(4, c40, c41)
    FRUGAL_I8_ROW(5, c50, c51)
    FRUGAL_I8_ROW(6, c60, c61)
    FRUGAL_I8_ROW(7, c70, c71)
    FRUGAL_I8_ROW(8, c80, c81)
    FRUGAL_I8_ROW(9, c90, c91)
    FRUGAL_I8_ROW(10, ca0, ca1)
    FRUGAL_I8_ROW(11, cb0, cb1)
    ap += kMr * 2;
    bp += kNr * 2;
  }
  const __m512i acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51},
                               {c60, c61}, {c70, c71}, {c80, c81}, {c90, c91}, {ca0, ca1}, {cb0, cb1}};
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

#undef FRUGAL_I8_ROW

}  // namespace

frugal::GemmI8Kernel GemmI8Kernel() {
  return {kMr, kNr, 192, 512, 4096, Cpu().avx512vnni ? Micro<true> : Micro<false>};
}

}  // namespace frugal::avx512
