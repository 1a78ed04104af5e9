// AVX-512 VNNI u8 x s8 micro-kernel for prepacked INT8 weights (the layout of
// frugal/gemm-kernels.h: per k-quad, 16 columns x 4 s8 bytes = one zmm). Eight rows x one
// 16-column panel in eight zmm accumulators; per k-quad one panel load, eight row broadcasts and
// eight vpdpbusd, which multiply u8 by s8 and add the four products into int32 without the int16
// intermediate of AVX2's vpmaddubsw, so no ones-vpmaddwd and no add. The epilogue is the AVX2
// kernel's, on sixteen lanes: (float(acc - comp) * scaleA) * scaleB (+ bias), then the activation,
// with GELU-erf in the same rational form, so both ISAs give the same floats.
#include <immintrin.h>

#include <cstring>

#include "frugal/gemm-kernels.h"
#include "frugal/quant-kernels.h"
#include "frugal/simd/epilogue-activation-avx512.h"

namespace frugal::avx512 {
namespace {

constexpr int kMr = 8;

inline __m512i BroadcastQuad(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// Last k % 4 values of a row, zero-filled (the packed B is zero there, so the fill is irrelevant).
inline __m512i BroadcastTail(const uint8_t* p, int64_t rem) {
  uint8_t q[4] = {0, 0, 0, 0};
  std::memcpy(q, p, static_cast<size_t>(rem));
  return BroadcastQuad(q);
}

// comp, scaleB and bias are padded to whole panels by the caller, so they load as 16 lanes.
template <int kAct>
inline void Store(__m512i acc, const U8S8Tile& t, int i, __mmask16 cols) {
  const __m512i comp = _mm512_loadu_si512(t.comp);
  const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, comp));
  __m512 v = _mm512_mul_ps(_mm512_mul_ps(f, _mm512_set1_ps(t.scaleA[i])), _mm512_loadu_ps(t.scaleB));
  // The empty asm keeps GCC from contracting the product and the bias add into one FMA, which
  // would round differently from the reference.
  __asm__("" : "+v"(v));
  if (t.bias) v = _mm512_add_ps(v, _mm512_loadu_ps(t.bias));
  _mm512_mask_storeu_ps(t.out + i * t.ldo, cols, EpilogueActivation<kAct>(v));
}

template <int kAct>
void MicroU8S8(int64_t k, const uint8_t* const* rows, const int8_t* bp, const U8S8Tile& t, int m, int n) {
  __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  const uint8_t *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
  const uint8_t *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
  const int64_t quads = k / 4, rem = k % 4;
#pragma GCC unroll 2
  for (int64_t q = 0; q < quads; q++) {
    const __m512i b = _mm512_loadu_si512(bp);
    const int64_t p = 4 * q;
    c0 = _mm512_dpbusd_epi32(c0, BroadcastQuad(r0 + p), b);
    c1 = _mm512_dpbusd_epi32(c1, BroadcastQuad(r1 + p), b);
    c2 = _mm512_dpbusd_epi32(c2, BroadcastQuad(r2 + p), b);
    c3 = _mm512_dpbusd_epi32(c3, BroadcastQuad(r3 + p), b);
    c4 = _mm512_dpbusd_epi32(c4, BroadcastQuad(r4 + p), b);
    c5 = _mm512_dpbusd_epi32(c5, BroadcastQuad(r5 + p), b);
    c6 = _mm512_dpbusd_epi32(c6, BroadcastQuad(r6 + p), b);
    c7 = _mm512_dpbusd_epi32(c7, BroadcastQuad(r7 + p), b);
    bp += 4 * kU8S8Nr;
  }
  if (rem) {
    const __m512i b = _mm512_loadu_si512(bp);
    const int64_t p = 4 * quads;
    c0 = _mm512_dpbusd_epi32(c0, BroadcastTail(r0 + p, rem), b);
    c1 = _mm512_dpbusd_epi32(c1, BroadcastTail(r1 + p, rem), b);
    c2 = _mm512_dpbusd_epi32(c2, BroadcastTail(r2 + p, rem), b);
    c3 = _mm512_dpbusd_epi32(c3, BroadcastTail(r3 + p, rem), b);
    c4 = _mm512_dpbusd_epi32(c4, BroadcastTail(r4 + p, rem), b);
    c5 = _mm512_dpbusd_epi32(c5, BroadcastTail(r5 + p, rem), b);
    c6 = _mm512_dpbusd_epi32(c6, BroadcastTail(r6 + p, rem), b);
    c7 = _mm512_dpbusd_epi32(c7, BroadcastTail(r7 + p, rem), b);
  }
  const __mmask16 cols = n >= kU8S8Nr ? 0xffff : static_cast<__mmask16>((1u << n) - 1);
  const __m512i acc[kMr] = {c0, c1, c2, c3, c4, c5, c6, c7};
  for (int i = 0; i < m; i++) Store<kAct>(acc[i], t, i, cols);
}

}  // namespace

frugal::GemmU8S8Kernel GemmU8S8Kernel() { return {kMr, MicroU8S8<-1>}; }

GemmU8S8Micro GemmU8S8MicroAct(int activation) {
  switch (activation) {
    case -1: return MicroU8S8<-1>;
    case kGeluErf: return MicroU8S8<kGeluErf>;
    case kGeluTanh: return MicroU8S8<kGeluTanh>;
    case kRelu: return MicroU8S8<kRelu>;
    case kSilu: return MicroU8S8<kSilu>;
    default: return nullptr;
  }
}

}  // namespace frugal::avx512
