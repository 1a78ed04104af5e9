// AVX2 int8 microkernels.
// On int16 k-pairs (exact for any int8): a 6 x 16 int32 tile in 12 ymm accumulators; per k-pair
// two B loads (16 columns x 2), six 32-bit A broadcasts, twelve vpmaddwd + vpaddd.
// u8 x s8 on k-quads: a 4 x 16 tile in 8 accumulators; per k-quad two B loads (16 columns x 4
// bytes), four 4-byte A broadcasts, eight vpmaddubsw, eight vpmaddwd with ones (int16 pairs to
// int32) and eight vpaddd; half the operand bytes of the int16 path, and the f32 epilogue (scales,
// bias, and the MLP activation) runs on the accumulators in registers.
#include <immintrin.h>

#include <cstring>

#include "frugal/elementwise-kernels.h"
#include "frugal/gemm-kernels.h"
#include "frugal/quant-kernels.h"
#include "frugal/simd/gelu-erf-rational-avx2.h"
#include "frugal/simd/vec-avx2.h"
#include "frugal/simd/vec-math.h"

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

constexpr int kU8Mr = 4;

inline __m256i BroadcastQuad(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Last k % 4 values of a row, zero-filled (the packed B is zero there, so the fill is irrelevant).
inline __m256i BroadcastTail(const uint8_t* p, int64_t rem) {
  uint8_t q[4] = {0, 0, 0, 0};
  std::memcpy(q, p, static_cast<size_t>(rem));
  return BroadcastQuad(q);
}

inline void U8S8Step(__m256i a, __m256i b0, __m256i b1, __m256i ones, __m256i& c0, __m256i& c1) {
  c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b0), ones));
  c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b1), ones));
}

// The activation after scales and bias: GELU-erf as in the f32 GEMM's epilogue, the others the
// elementwise table's vector functions (so they equal a separate pass bit for bit).
template <int kAct>
inline __m256 Activate(__m256 v) {
  if constexpr (kAct == kGeluErf) return GeluErfRationalAvx2(v);
  if constexpr (kAct == kGeluTanh) return VGeluTanh<VecAvx2>(v);
  if constexpr (kAct == kRelu) return VecAvx2::Select(VecAvx2::IsNan(v), v, _mm256_max_ps(v, _mm256_setzero_ps()));
  if constexpr (kAct == kSilu) return VScaledSigmoid<VecAvx2>(v, v);
  return v;
}

template <int kAct>
inline void U8S8Store(__m256i acc0, __m256i acc1, const U8S8Tile& t, int i, int n) {
  const __m256 sa = _mm256_set1_ps(t.scaleA[i]);
  __m256 v[2];
  const __m256i acc[2] = {acc0, acc1};
  for (int h = 0; h < 2; h++) {
    const __m256i comp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.comp + 8 * h));
    const __m256 f = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[h], comp));
    v[h] = _mm256_mul_ps(_mm256_mul_ps(f, sa), _mm256_loadu_ps(t.scaleB + 8 * h));
    // The empty asm hides the product from the optimizer: GCC would contract mul + add into one
    // FMA (C++ defaults to -ffp-contract=fast), and the result would no longer match the reference.
    __asm__("" : "+x"(v[h]));
    if (t.bias) v[h] = _mm256_add_ps(v[h], _mm256_loadu_ps(t.bias + 8 * h));
    v[h] = Activate<kAct>(v[h]);
  }
  float* out = t.out + i * t.ldo;
  if (n == kU8S8Nr) {
    _mm256_storeu_ps(out, v[0]);
    _mm256_storeu_ps(out + 8, v[1]);
    return;
  }
  alignas(32) float tmp[kU8S8Nr];
  _mm256_store_ps(tmp, v[0]);
  _mm256_store_ps(tmp + 8, v[1]);
  for (int j = 0; j < n; j++) out[j] = tmp[j];
}

// comp, scaleB and bias are padded to whole panels by the caller, so the epilogue loads 16 lanes.
template <int kAct>
void MicroU8S8(int64_t k, const uint8_t* const* rows, const int8_t* bp, const U8S8Tile& t, int m, int n) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
  __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const uint8_t *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
  const int64_t quads = k / 4, rem = k % 4;
  // The loop body is written out in assembly: from the intrinsics GCC issues all eight vpmaddubsw
  // first, runs out of registers (8 accumulators + 8 products + B + ones) and spills an
  // accumulator, which puts a store-to-load round trip on its dependency chain every k-quad.
  // Here one product register per column half is reused, so 14 ymm registers suffice.
#define FRUGAL_U8S8_ROW(row, lo, hi)                 \
  "vpbroadcastd (%[" row "]), %[a]\n\t"             \
  "vpmaddubsw %[b0], %[a], %[t0]\n\t"               \
  "vpmaddubsw %[b1], %[a], %[t1]\n\t"               \
  "vpmaddwd %[ones], %[t0], %[t0]\n\t"              \
  "vpmaddwd %[ones], %[t1], %[t1]\n\t"              \
  "vpaddd %[t0], %[" lo "], %[" lo "]\n\t"          \
  "vpaddd %[t1], %[" hi "], %[" hi "]\n\t"
  for (int64_t q = 0; q < quads; q++) {
    __m256i b0, b1, a, t0, t1;
    __asm__(
        "vmovdqu (%[bp]), %[b0]\n\t"
        "vmovdqu 32(%[bp]), %[b1]\n\t"
        FRUGAL_U8S8_ROW("r0", "c00", "c01") FRUGAL_U8S8_ROW("r1", "c10", "c11")
        FRUGAL_U8S8_ROW("r2", "c20", "c21") FRUGAL_U8S8_ROW("r3", "c30", "c31")
        : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11), [c20] "+x"(c20),
          [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31), [b0] "=&x"(b0), [b1] "=&x"(b1), [a] "=&x"(a),
          [t0] "=&x"(t0), [t1] "=&x"(t1)
        : [bp] "r"(bp), [r0] "r"(r0 + 4 * q), [r1] "r"(r1 + 4 * q), [r2] "r"(r2 + 4 * q),
          [r3] "r"(r3 + 4 * q), [ones] "x"(ones)
        : "memory");
    bp += 4 * kU8S8Nr;
  }
#undef FRUGAL_U8S8_ROW
  if (rem) {
    const int64_t p = 4 * quads;
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 32));
    U8S8Step(BroadcastTail(r0 + p, rem), b0, b1, ones, c00, c01);
    U8S8Step(BroadcastTail(r1 + p, rem), b0, b1, ones, c10, c11);
    U8S8Step(BroadcastTail(r2 + p, rem), b0, b1, ones, c20, c21);
    U8S8Step(BroadcastTail(r3 + p, rem), b0, b1, ones, c30, c31);
  }
  U8S8Store<kAct>(c00, c01, t, 0, n);
  if (m > 1) U8S8Store<kAct>(c10, c11, t, 1, n);
  if (m > 2) U8S8Store<kAct>(c20, c21, t, 2, n);
  if (m > 3) U8S8Store<kAct>(c30, c31, t, 3, n);
}

}  // namespace

frugal::GemmI8Kernel GemmI8Kernel() { return {kMr, kNr, 144, 512, 3072, Micro}; }

frugal::GemmU8S8Kernel GemmU8S8Kernel() { return {kU8Mr, MicroU8S8<-1>}; }

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

}  // namespace frugal::avx2
