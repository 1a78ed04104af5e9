// Packed N:M-sparse, INT8/INT4-weight GEMM (NxMiFormer inference): the contract shared by the
// portable driver (sparse-nm.cc) and the AVX2 inner kernel (avx2/sparse-nm-avx2.cc).
//
// The driver decodes a block of output rows once (kept positions -> input columns, codes -> f32)
// and transposes the activations into column chunks of at most kChunk tokens, XT [k][width]. The
// inner kernel then computes, for one output row, one chunk and one range of kept weights,
//   acc[t] (+)= sum_j vals[j] * xt[cols[j] * ld + t],  t < width (a multiple of 8),
// touching only the kept weights: N/M of the dense multiply-adds, one broadcast weight and
// width / 8 contiguous loads per kept weight, no gathers. The driver walks k in blocks of kKBlock
// rows so that the part of XT being read (kKBlock x kChunk floats, 16 KiB) stays in L1.
#pragma once
#include <cstdint>

namespace frugal::sparse_nm {

constexpr int kChunk = 64;
constexpr int kKBlock = 64;

using ChunkKernel = void (*)(const float* xt, int64_t ld, int width, const int32_t* cols, const float* vals,
                             int64_t kept, float* acc, bool accumulate);

void ChunkScalar(const float* xt, int64_t ld, int width, const int32_t* cols, const float* vals, int64_t kept,
                 float* acc, bool accumulate);

}  // namespace frugal::sparse_nm

#ifdef FRUGAL_X86
namespace frugal::avx2 {
void SparseNmChunk(const float* xt, int64_t ld, int width, const int32_t* cols, const float* vals, int64_t kept,
                   float* acc, bool accumulate);
}  // namespace frugal::avx2
#endif
