// AVX-512 f32 microkernel: a 12 x 32 tile in 24 zmm accumulators; per k step two B loads,
// twelve A broadcasts and 24 FMAs. The AVX2 kernel's design at sixteen lanes: bias + activation
// applied to the tile in registers, vectorized packers, C-tile prefetch. Runs on the Zen 4 machine;
// blocks measured there (notes/gemm-bert.md). An 8 x 48 tile, which divides BERT's 128-row and
// 768-column multiples exactly, was 1-3% faster on those layers alone, no faster end to end, and
// pads the power-of-two widths of attention's matmuls (64 columns run as 96).
#include <immintrin.h>

#include "frugal/gemm-kernels.h"
#include "frugal/simd/epilogue-activation-avx512.h"

namespace frugal::avx512 {
namespace {

constexpr int kMr = 12, kNr = 32;

// Lanes [0, n) of a 16-lane half.
inline __mmask16 LaneMask(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}

// The plain GEMM's tile finish: nothing after alpha and beta.
struct NoEpilogue {
  __m512 operator()(__m512 v, int) const { return v; }
};

// A linear layer's finish: bias (columns j0..j0+31 as two vectors) then the activation. As in the
// AVX2 kernel, the bias add and the activations other than GELU-erf are the elementwise table's
// vector functions (bit for bit the separate passes), GELU-erf the shared rational form.
template <bool kBias, int kAct>
struct BiasAct {
  __m512 bias[2];
  __m512 operator()(__m512 v, int half) const {
    if constexpr (kBias) v = _mm512_add_ps(v, bias[half]);
    return EpilogueActivation<kAct>(v);
  }
};

template <class Epi>
inline __attribute__((always_inline)) void MicroTile(int64_t kc, const float* ap, const float* bp, float* c,
                                                     int64_t ldc, float alpha, float beta, int m, int n,
                                                     const Epi& epi) {
  __m512 acc[kMr][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  // Touch the C tile early so its lines arrive while the k loop runs.
  for (int i = 0; i < m; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + kNr - 1), _MM_HINT_T0);
  }
#pragma GCC unroll 2
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
  if (n == kNr) {
#pragma GCC unroll 12
    for (int i = 0; i < kMr; i++) {
      if (i >= m) break;
      float* row = c + i * ldc;
      __m512 lo = _mm512_mul_ps(acc[i][0], va), hi = _mm512_mul_ps(acc[i][1], va);
      if (beta != 0.0f) {
        lo = _mm512_fmadd_ps(_mm512_loadu_ps(row), vb, lo);
        hi = _mm512_fmadd_ps(_mm512_loadu_ps(row + 16), vb, hi);
      }
      _mm512_storeu_ps(row, epi(lo, 0));
      _mm512_storeu_ps(row + 16, epi(hi, 1));
    }
    return;
  }
  // Lanes past n hold zeros (B's padding) and go through the finish, but are never stored.
  const __mmask16 m0 = LaneMask(n), m1 = LaneMask(n - 16);
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    if (i >= m) break;
    float* row = c + i * ldc;
    __m512 lo = _mm512_mul_ps(acc[i][0], va), hi = _mm512_mul_ps(acc[i][1], va);
    if (beta != 0.0f) {
      lo = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, row), vb, lo);
      hi = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, row + 16), vb, hi);
    }
    _mm512_mask_storeu_ps(row, m0, epi(lo, 0));
    _mm512_mask_storeu_ps(row + 16, m1, epi(hi, 1));
  }
}

void Micro(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta, int m,
           int n) {
  MicroTile(kc, ap, bp, c, ldc, alpha, beta, m, n, NoEpilogue{});
}

template <bool kBias, int kAct>
void MicroLastT(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float beta, int m, int n,
                const float* bias) {
  BiasAct<kBias, kAct> epi{};
  if constexpr (kBias) {
    epi.bias[0] = _mm512_maskz_loadu_ps(LaneMask(n), bias);
    epi.bias[1] = _mm512_maskz_loadu_ps(LaneMask(n - 16), bias + 16);
  }
  MicroTile(kc, ap, bp, c, ldc, 1.0f, beta, m, n, epi);
}

template <bool kBias>
void MicroLastAct(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float beta, int m, int n,
                  const float* bias, int act) {
  switch (act) {
    case kGeluErf: return MicroLastT<kBias, kGeluErf>(kc, ap, bp, c, ldc, beta, m, n, bias);
    case kGeluTanh: return MicroLastT<kBias, kGeluTanh>(kc, ap, bp, c, ldc, beta, m, n, bias);
    case kRelu: return MicroLastT<kBias, kRelu>(kc, ap, bp, c, ldc, beta, m, n, bias);
    case kSilu: return MicroLastT<kBias, kSilu>(kc, ap, bp, c, ldc, beta, m, n, bias);
    default: return MicroLastT<kBias, -1>(kc, ap, bp, c, ldc, beta, m, n, bias);
  }
}

void MicroLast(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float beta, int m, int n,
               const float* bias, int act) {
  if (bias != nullptr) return MicroLastAct<true>(kc, ap, bp, c, ldc, beta, m, n, bias, act);
  MicroLastAct<false>(kc, ap, bp, c, ldc, beta, m, n, bias, act);
}

// Transposes the 4 x 4 blocks inside each 128-bit lane: on return lane L of x[j] holds
// rows 0-3 of column 4L + j.
inline void Transpose4InLanes(__m512 x[4]) {
  const __m512 t0 = _mm512_unpacklo_ps(x[0], x[1]), t1 = _mm512_unpackhi_ps(x[0], x[1]);
  const __m512 t2 = _mm512_unpacklo_ps(x[2], x[3]), t3 = _mm512_unpackhi_ps(x[2], x[3]);
  x[0] = _mm512_shuffle_ps(t0, t2, 0x44);
  x[1] = _mm512_shuffle_ps(t0, t2, 0xEE);
  x[2] = _mm512_shuffle_ps(t1, t3, 0x44);
  x[3] = _mm512_shuffle_ps(t1, t3, 0xEE);
}

inline __m128 Lane(__m512 v, int l) {
  switch (l) {
    case 0: return _mm512_castps512_ps128(v);
    case 1: return _mm512_extractf32x4_ps(v, 1);
    case 2: return _mm512_extractf32x4_ps(v, 2);
    default: return _mm512_extractf32x4_ps(v, 3);
  }
}

// Packs 12-row panels of A [m, k]. Full panels take 16 k steps at a time as three groups of four
// rows, transposed 4 x 4 in lanes; each lane is one k step's four values of a group.
void PackAPlain(const float* a, int64_t lda, int64_t mc, int64_t kc, float* out) {
  int64_t ir = 0;
  for (; ir + kMr <= mc; ir += kMr) {
    const float* r0 = a + ir * lda;
    float* panel = out + ir * kc;
    int64_t p = 0;
    for (; p + 16 <= kc; p += 16) {
      float* dst = panel + p * kMr;
#pragma GCC unroll 3
      for (int g = 0; g < 3; g++) {
        __m512 x[4];
        for (int r = 0; r < 4; r++) x[r] = _mm512_loadu_ps(r0 + (4 * g + r) * lda + p);
        Transpose4InLanes(x);
#pragma GCC unroll 4
        for (int l = 0; l < 4; l++)
#pragma GCC unroll 4
          for (int j = 0; j < 4; j++) _mm_storeu_ps(dst + (4 * l + j) * kMr + 4 * g, Lane(x[j], l));
      }
    }
    for (; p < kc; p++)
      for (int r = 0; r < kMr; r++) panel[p * kMr + r] = r0[r * lda + p];
  }
  if (ir < mc) {
    const int rows = static_cast<int>(mc - ir);
    float* panel = out + ir * kc;
    for (int64_t p = 0; p < kc; p++)
      for (int r = 0; r < kMr; r++) panel[p * kMr + r] = r < rows ? a[(ir + r) * lda + p] : 0.0f;
  }
}

// Stored A is [k, m]: each k step of a panel is 12 adjacent floats of one stored row.
void PackATrans(const float* a, int64_t lda, int64_t mc, int64_t kc, float* out) {
  const __mmask16 full = LaneMask(kMr);
  for (int64_t p = 0; p < kc; p++) {
    const float* src = a + p * lda;
    float* dst = out + p * kMr;
    for (int64_t ir = 0; ir < mc; ir += kMr) {
      const int rows = static_cast<int>(mc - ir < kMr ? mc - ir : kMr);
      _mm512_mask_storeu_ps(dst + ir * kc, full, _mm512_maskz_loadu_ps(LaneMask(rows), src + ir));
    }
  }
}

void PackA(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* out) {
  if (trans) return PackATrans(a, lda, mc, kc, out);
  PackAPlain(a, lda, mc, kc, out);
}

// Transposes 16 rows x 16 floats (row stride ld; rows past `rows` read as zeros) into 16
// vectors, one per column.
inline void Transpose16(const float* src, int64_t ld, int rows, __m512 col[16]) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(src + i * ld) : _mm512_setzero_ps();
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // r[4q + s]: rows 4q..4q+3 of columns s, s + 4, s + 8, s + 12 (one per 128-bit lane).
  for (int q = 0; q < 4; q++) {
    r[4 * q] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    r[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    r[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    r[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
  // Gather lane L of the four row groups into one vector: column s + 4L.
  for (int s = 0; s < 4; s++) {
    const __m512 a01lo = _mm512_shuffle_f32x4(r[s], r[4 + s], 0x44);   // lanes 0,1 of groups 0 and 1
    const __m512 a01hi = _mm512_shuffle_f32x4(r[s], r[4 + s], 0xEE);   // lanes 2,3
    const __m512 a23lo = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0x44);
    const __m512 a23hi = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0xEE);
    col[s] = _mm512_shuffle_f32x4(a01lo, a23lo, 0x88);
    col[s + 4] = _mm512_shuffle_f32x4(a01lo, a23lo, 0xDD);
    col[s + 8] = _mm512_shuffle_f32x4(a01hi, a23hi, 0x88);
    col[s + 12] = _mm512_shuffle_f32x4(a01hi, a23hi, 0xDD);
  }
}

// Stored B is [n, k] (the nn.Linear layout): a 32-column panel is 32 stored rows, transposed
// 16 x 16 at a time so each k step is written as two aligned vectors.
void PackBTrans(const float* b, int64_t ldb, int64_t kc, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    const int cols = static_cast<int>(nc - jr < kNr ? nc - jr : kNr);
    const int colsHi = cols > 16 ? cols - 16 : 0;
    const float* src = b + jr * ldb;
    float* panel = out + jr * kc;
    int64_t p = 0;
    __m512 lo[16], hi[16];
    for (; p + 16 <= kc; p += 16) {
      Transpose16(src + p, ldb, cols < 16 ? cols : 16, lo);
      if (colsHi > 0) {
        Transpose16(src + 16 * ldb + p, ldb, colsHi, hi);
      } else {
        for (int q = 0; q < 16; q++) hi[q] = _mm512_setzero_ps();
      }
      for (int q = 0; q < 16; q++) {
        _mm512_store_ps(panel + (p + q) * kNr, lo[q]);
        _mm512_store_ps(panel + (p + q) * kNr + 16, hi[q]);
      }
    }
    for (; p < kc; p++)
      for (int j = 0; j < kNr; j++) panel[p * kNr + j] = j < cols ? src[j * ldb + p] : 0.0f;
  }
}

// Packs 32-column panels of B walking B row by row, so reads stream along rows.
void PackBPlain(const float* b, int64_t ldb, int64_t kc, int64_t nc, float* out) {
  const int64_t full = nc / kNr * kNr;
  const int tail = static_cast<int>(nc - full);
  for (int64_t p = 0; p < kc; p++) {
    const float* src = b + p * ldb;
    float* dst = out + p * kNr;
    for (int64_t jr = 0; jr < full; jr += kNr) {
      _mm512_store_ps(dst + jr * kc, _mm512_loadu_ps(src + jr));
      _mm512_store_ps(dst + jr * kc + 16, _mm512_loadu_ps(src + jr + 16));
    }
    if (tail > 0) {
      _mm512_store_ps(dst + full * kc, _mm512_maskz_loadu_ps(LaneMask(tail), src + full));
      _mm512_store_ps(dst + full * kc + 16, _mm512_maskz_loadu_ps(LaneMask(tail - 16), src + full + 16));
    }
  }
}

void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* out) {
  if (trans) return PackBTrans(b, ldb, kc, nc, out);
  PackBPlain(b, ldb, kc, nc, out);
}

}  // namespace

// Blocks measured on Zen 4 with linearF32Packed on the bert-base shapes and gemmF32 on cubes
// (notes/gemm-bert.md): kc 768 takes a whole bert k of 768 in one block, so each C tile is written
// once; its B micro-panel (96 KiB) streams from L2, and still it beat kc 384 by 1-4% and the
// L1-sized kc 128 by 6-15%. The A block, 288 x 768 x 4 B = 864 KiB, stays in the 1 MiB L2; nc 1536
// keeps gemmF32's packed B block (4.5 MiB per thread) well inside the shared L3.
frugal::GemmF32Kernel GemmF32Kernel() { return {kMr, kNr, 288, 768, 1536, Micro, PackA, PackB, MicroLast}; }

}  // namespace frugal::avx512
