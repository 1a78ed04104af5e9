// AVX2/FMA f32 microkernel: a 6 x 16 tile held in 12 ymm accumulators; per k step two B loads,
// six A broadcasts and twelve FMAs. Blocks sized for Zen 3 (L1d 32 KiB, L2 512 KiB):
// B micro-panel 256 x 16 x 4 B = 16 KiB, A block 144 x 256 x 4 B = 144 KiB.
#include <immintrin.h>

#include "frugal/elementwise-kernels.h"
#include "frugal/gemm-kernels.h"
#include "frugal/simd/gelu-erf-rational-avx2.h"
#include "frugal/simd/vec-avx2.h"
#include "frugal/simd/vec-math.h"

namespace frugal::avx2 {
namespace {

constexpr int kMr = 6, kNr = 16;

// The plain GEMM's tile finish: nothing after alpha and beta.
struct NoEpilogue {
  __m256 operator()(__m256 v, int) const { return v; }
};

// A linear layer's finish: bias (columns j0..j0+15 as two vectors) then the activation. The bias
// add and the activations other than GELU-erf use the elementwise table's vector functions, so
// they match the separate passes bit for bit; GELU-erf is the epilogue's rational form
// (|error| <= 2e-7 max(|x|, 1), about 4x cheaper than the table's erfc form).
template <bool kBias, int kAct>
struct BiasAct {
  __m256 bias[2];
  __m256 operator()(__m256 v, int half) const {
    if constexpr (kBias) v = _mm256_add_ps(v, bias[half]);
    if constexpr (kAct == kGeluErf) return GeluErfRationalAvx2(v);
    if constexpr (kAct == kGeluTanh) return VGeluTanh<VecAvx2>(v);
    if constexpr (kAct == kRelu) return VecAvx2::Select(VecAvx2::IsNan(v), v, _mm256_max_ps(v, _mm256_setzero_ps()));
    if constexpr (kAct == kSilu) return VScaledSigmoid<VecAvx2>(v, v);
    return v;
  }
};

template <class Epi>
inline void StoreRow(float* c, __m256 lo, __m256 hi, __m256 va, float beta, const Epi& epi) {
  lo = _mm256_mul_ps(lo, va);
  hi = _mm256_mul_ps(hi, va);
  if (beta != 0.0f) {
    const __m256 vb = _mm256_set1_ps(beta);
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(c), vb, lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(c + 8), vb, hi);
  }
  _mm256_storeu_ps(c, epi(lo, 0));
  _mm256_storeu_ps(c + 8, epi(hi, 1));
}

template <class Epi>
inline __attribute__((always_inline)) void MicroTile(int64_t kc, const float* ap, const float* bp, float* c,
                                                     int64_t ldc, float alpha, float beta, int m, int n,
                                                     const Epi& epi) {
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
    StoreRow(c, c00, c01, va, beta, epi);
    StoreRow(c + ldc, c10, c11, va, beta, epi);
    StoreRow(c + 2 * ldc, c20, c21, va, beta, epi);
    StoreRow(c + 3 * ldc, c30, c31, va, beta, epi);
    StoreRow(c + 4 * ldc, c40, c41, va, beta, epi);
    StoreRow(c + 5 * ldc, c50, c51, va, beta, epi);
    return;
  }
  alignas(32) float t[kMr * kNr];
  const NoEpilogue none;
  StoreRow(t, c00, c01, va, 0.0f, none);
  StoreRow(t + 16, c10, c11, va, 0.0f, none);
  StoreRow(t + 32, c20, c21, va, 0.0f, none);
  StoreRow(t + 48, c30, c31, va, 0.0f, none);
  StoreRow(t + 64, c40, c41, va, 0.0f, none);
  StoreRow(t + 80, c50, c51, va, 0.0f, none);
  for (int i = 0; i < m; i++) {
    float* row = t + i * kNr;
    for (int j = 0; j < n; j++) row[j] = beta == 0.0f ? row[j] : row[j] + beta * c[i * ldc + j];
    // The finish runs on all 16 lanes; lanes past n hold values that are never stored.
    _mm256_store_ps(row, epi(_mm256_load_ps(row), 0));
    _mm256_store_ps(row + 8, epi(_mm256_load_ps(row + 8), 1));
    for (int j = 0; j < n; j++) c[i * ldc + j] = row[j];
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
    alignas(32) float b[kNr] = {};
    for (int j = 0; j < n; j++) b[j] = bias[j];
    epi.bias[0] = _mm256_load_ps(b);
    epi.bias[1] = _mm256_load_ps(b + 8);
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

// Packs 6-row panels of A. Full panels transpose 6 rows x 8 k values in registers and write
// each k step's 6 values contiguously; the scalar per-row loop it replaces wrote with a 24-byte
// stride and was the largest cost outside the microkernel at 512^3-1024^3.
void PackAPlain(const float* a, int64_t lda, int64_t mc, int64_t kc, float* out) {
  int64_t ir = 0;
  for (; ir + kMr <= mc; ir += kMr) {
    const float* r0 = a + ir * lda;
    float* panel = out + ir * kc;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      const __m256 x0 = _mm256_loadu_ps(r0 + p), x1 = _mm256_loadu_ps(r0 + lda + p);
      const __m256 x2 = _mm256_loadu_ps(r0 + 2 * lda + p), x3 = _mm256_loadu_ps(r0 + 3 * lda + p);
      const __m256 x4 = _mm256_loadu_ps(r0 + 4 * lda + p), x5 = _mm256_loadu_ps(r0 + 5 * lda + p);
      const __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1);
      const __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
      const __m256 t4 = _mm256_unpacklo_ps(x4, x5), t5 = _mm256_unpackhi_ps(x4, x5);
      // s[j] holds rows 0-3 of k step j (low lane) and j + 4 (high lane); t4/t5 hold rows 4-5.
      const __m256 s[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xEE),
                           _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xEE)};
      const __m128 q[4] = {_mm256_castps256_ps128(t4), _mm256_castps256_ps128(t5), _mm256_extractf128_ps(t4, 1),
                           _mm256_extractf128_ps(t5, 1)};
      float* dst = panel + p * kMr;
      for (int j = 0; j < 4; j++) {
        float* lo = dst + j * kMr;
        float* hi = dst + (j + 4) * kMr;
        _mm_storeu_ps(lo, _mm256_castps256_ps128(s[j]));
        _mm_storeu_ps(hi, _mm256_extractf128_ps(s[j], 1));
        const __m128 rows45 = j < 2 ? q[0] : q[1];
        const __m128 rows45hi = j < 2 ? q[2] : q[3];
        if (j % 2 == 0) {
          _mm_storel_pi(reinterpret_cast<__m64*>(lo + 4), rows45);
          _mm_storel_pi(reinterpret_cast<__m64*>(hi + 4), rows45hi);
        } else {
          _mm_storeh_pi(reinterpret_cast<__m64*>(lo + 4), rows45);
          _mm_storeh_pi(reinterpret_cast<__m64*>(hi + 4), rows45hi);
        }
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

// Stored A is [k, m]: each k step of a panel is 6 adjacent floats of one stored row, so walk the
// stored rows and copy 4 + 2 floats per panel.
void PackATrans(const float* a, int64_t lda, int64_t mc, int64_t kc, float* out) {
  const int64_t full = mc / kMr * kMr;
  for (int64_t p = 0; p < kc; p++) {
    const float* src = a + p * lda;
    float* dst = out + p * kMr;
    for (int64_t ir = 0; ir < full; ir += kMr) {
      float* d = dst + ir * kc;
      _mm_storeu_ps(d, _mm_loadu_ps(src + ir));
      d[4] = src[ir + 4];
      d[5] = src[ir + 5];
    }
    if (full < mc) {
      float* d = dst + full * kc;
      for (int r = 0; r < kMr; r++) d[r] = full + r < mc ? src[full + r] : 0.0f;
    }
  }
}

void PackA(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* out) {
  if (trans) return PackATrans(a, lda, mc, kc, out);
  PackAPlain(a, lda, mc, kc, out);
}

// Transposes 8 rows x 8 floats (row stride ld) into 8 vectors, one per column.
inline void Transpose8(const float* src, int64_t ld, __m256 col[8]) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ld);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  const __m256 s0 = _mm256_shuffle_ps(t[0], t[2], 0x44), s1 = _mm256_shuffle_ps(t[0], t[2], 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t[1], t[3], 0x44), s3 = _mm256_shuffle_ps(t[1], t[3], 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t[4], t[6], 0x44), s5 = _mm256_shuffle_ps(t[4], t[6], 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t[5], t[7], 0x44), s7 = _mm256_shuffle_ps(t[5], t[7], 0xEE);
  col[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  col[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  col[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  col[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  col[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  col[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  col[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  col[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Stored B is [n, k] (the nn.Linear layout): a 16-column panel is 16 stored rows, transposed
// 8 x 8 at a time so each k step is written as two aligned vectors.
void PackBTrans(const float* b, int64_t ldb, int64_t kc, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    const int cols = static_cast<int>(nc - jr < kNr ? nc - jr : kNr);
    const float* src = b + jr * ldb;
    float* panel = out + jr * kc;
    int64_t p = 0;
    if (cols == kNr) {
      __m256 lo[8], hi[8];
      for (; p + 8 <= kc; p += 8) {
        Transpose8(src + p, ldb, lo);
        Transpose8(src + 8 * ldb + p, ldb, hi);
        for (int q = 0; q < 8; q++) {
          _mm256_store_ps(panel + (p + q) * kNr, lo[q]);
          _mm256_store_ps(panel + (p + q) * kNr + 8, hi[q]);
        }
      }
    }
    for (; p < kc; p++)
      for (int j = 0; j < kNr; j++) panel[p * kNr + j] = j < cols ? src[j * ldb + p] : 0.0f;
  }
}

// Packs 16-column panels of B walking B row by row, so reads stream along rows instead of
// touching one line per row of a kc-row column strip.
void PackBPlain(const float* b, int64_t ldb, int64_t kc, int64_t nc, float* out) {
  const int64_t full = nc / kNr * kNr;
  for (int64_t p = 0; p < kc; p++) {
    const float* src = b + p * ldb;
    float* dst = out + p * kNr;
    for (int64_t jr = 0; jr < full; jr += kNr) {
      _mm256_store_ps(dst + jr * kc, _mm256_loadu_ps(src + jr));
      _mm256_store_ps(dst + jr * kc + 8, _mm256_loadu_ps(src + jr + 8));
    }
    if (full < nc) {
      float* d = dst + full * kc;
      for (int j = 0; j < kNr; j++) d[j] = full + j < nc ? src[full + j] : 0.0f;
    }
  }
}

void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* out) {
  if (trans) return PackBTrans(b, ldb, kc, nc, out);
  PackBPlain(b, ldb, kc, nc, out);
}

}  // namespace

frugal::GemmF32Kernel GemmF32Kernel() { return {kMr, kNr, 144, 256, 3072, Micro, PackA, PackB, MicroLast}; }

}  // namespace frugal::avx2
