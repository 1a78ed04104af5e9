// AVX2 + FMA inner kernel of the packed N:M GEMM (contract in ../sparse-nm.h): width / 8
// accumulators of 8 tokens each; per kept weight one broadcast and width / 8 loads of the
// transposed activations, so with a full chunk (8 accumulators) the FMA latency is hidden.
#include <immintrin.h>

#include "../sparse-nm.h"

namespace frugal::avx2 {
namespace {

template <int V>
void Chunk(const float* xt, int64_t ld, const int32_t* cols, const float* vals, int64_t kept, float* acc,
           bool accumulate) {
  __m256 a[V];
  for (int v = 0; v < V; v++) a[v] = accumulate ? _mm256_loadu_ps(acc + 8 * v) : _mm256_setzero_ps();
  for (int64_t j = 0; j < kept; j++) {
    const float* row = xt + static_cast<int64_t>(cols[j]) * ld;
    const __m256 w = _mm256_broadcast_ss(vals + j);
    for (int v = 0; v < V; v++) a[v] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * v), a[v]);
  }
  for (int v = 0; v < V; v++) _mm256_storeu_ps(acc + 8 * v, a[v]);
}

// Few tokens leave too few independent accumulators for the FMA latency: split the kept weights
// into two interleaved halves and add them at the end.
template <int V>
void ChunkSplit(const float* xt, int64_t ld, const int32_t* cols, const float* vals, int64_t kept, float* acc,
                bool accumulate) {
  __m256 a[V], b[V];
  for (int v = 0; v < V; v++) {
    a[v] = accumulate ? _mm256_loadu_ps(acc + 8 * v) : _mm256_setzero_ps();
    b[v] = _mm256_setzero_ps();
  }
  int64_t j = 0;
  for (; j + 1 < kept; j += 2) {
    const float* r0 = xt + static_cast<int64_t>(cols[j]) * ld;
    const float* r1 = xt + static_cast<int64_t>(cols[j + 1]) * ld;
    const __m256 w0 = _mm256_broadcast_ss(vals + j);
    const __m256 w1 = _mm256_broadcast_ss(vals + j + 1);
    for (int v = 0; v < V; v++) {
      a[v] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(r0 + 8 * v), a[v]);
      b[v] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(r1 + 8 * v), b[v]);
    }
  }
  if (j < kept) {
    const float* r0 = xt + static_cast<int64_t>(cols[j]) * ld;
    const __m256 w0 = _mm256_broadcast_ss(vals + j);
    for (int v = 0; v < V; v++) a[v] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(r0 + 8 * v), a[v]);
  }
  for (int v = 0; v < V; v++) _mm256_storeu_ps(acc + 8 * v, _mm256_add_ps(a[v], b[v]));
}

}  // namespace

void SparseNmChunk(const float* xt, int64_t ld, int width, const int32_t* cols, const float* vals, int64_t kept,
                   float* acc, bool accumulate) {
  switch (width / 8) {
    case 1: return ChunkSplit<1>(xt, ld, cols, vals, kept, acc, accumulate);
    case 2: return ChunkSplit<2>(xt, ld, cols, vals, kept, acc, accumulate);
    case 3: return ChunkSplit<3>(xt, ld, cols, vals, kept, acc, accumulate);
    case 4: return ChunkSplit<4>(xt, ld, cols, vals, kept, acc, accumulate);
    case 5: return Chunk<5>(xt, ld, cols, vals, kept, acc, accumulate);
    case 6: return Chunk<6>(xt, ld, cols, vals, kept, acc, accumulate);
    case 7: return Chunk<7>(xt, ld, cols, vals, kept, acc, accumulate);
    default: return Chunk<8>(xt, ld, cols, vals, kept, acc, accumulate);
  }
}

}  // namespace frugal::avx2
