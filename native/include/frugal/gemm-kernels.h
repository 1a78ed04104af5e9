// GEMM microkernels per ISA, behind one dispatch point (SelectGemm*). Notation: C is m x n
// row-major with leading dimension ldc; a packed A micro-panel holds, for each k step, mr values
// (rows, zero-padded); a packed B micro-panel holds nr values (columns, zero-padded) per k step.
#pragma once
#include <cstdint>

namespace frugal {

// C[m x n] = alpha * Ap.Bp + beta * C over kc steps; m <= mr, n <= nr; beta == 0 never reads C.
using GemmF32Micro = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha,
                              float beta, int m, int n);

// ISA packers for f32 operands; a points at op(A)[i0][p0] in storage (A[i0][p0], or A[p0][i0]
// when trans), b likewise at op(B)[p0][j0]. Output layout is the one the microkernel reads.
using GemmF32PackA = void (*)(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* out);
using GemmF32PackB = void (*)(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* out);

// The last k block of a linear layer: as GemmF32Micro with alpha = 1, then
// c = act(c + bias[0:n]) applied to the tile before it leaves the registers; bias may be null,
// act is a UnaryOpCode (kGeluErf, kGeluTanh, kRelu, kSilu) or -1 for none. Kernels document how
// their results compare with micro followed by the bias add and the elementwise table's unary op.
using GemmF32MicroLast = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float beta,
                                  int m, int n, const float* bias, int act);

struct GemmF32Kernel {
  int mr, nr;      // register tile
  int mc, kc, nc;  // cache blocks: A block mc x kc in L2, B micro-panel kc x nr in L1
  GemmF32Micro micro;
  GemmF32PackA packA = nullptr;  // null: the portable packer
  GemmF32PackB packB = nullptr;
  GemmF32MicroLast microLast = nullptr;  // null: micro, then a separate pass over the tile
};

// Int8 GEMM on int16 k-pairs (exact: vpmaddwd-style products never saturate). Ap: per k-pair,
// mr pairs of int16; Bp: per k-pair, nr pairs. C tile int32 [m x n]: stored, or added when
// accumulate is true.
using GemmI8Micro = void (*)(int64_t kpairs, const int16_t* ap, const int16_t* bp, int32_t* c, int64_t ldc,
                             bool accumulate, int m, int n);

struct GemmI8Kernel {
  int mr, nr;
  int mc, kc, nc;  // kc counts int8 k values (even)
  GemmI8Micro micro;
};

// u8 x s8 GEMM (vpmaddubsw): A u8 [m, k] rows read in place (activations shifted by
// +128), B prepacked once into panels of kU8S8Nr columns: per k-quad, kU8S8Nr x 4 s8 bytes (column
// j's four k values contiguous), zero-padded in k and n. The int16 pair sums of vpmaddubsw cannot
// saturate when every |b| <= 64 (255 * 64 * 2 = 32640), the condition the packer's caller checks.
constexpr int kU8S8Nr = 16;

// Epilogue operands, already offset to the tile's first row / column:
//   out[i][j] = float(acc[i][j] - comp[j]) * scaleA[i] * scaleB[j] (+ bias[j]), left to right.
struct U8S8Tile {
  const int32_t* comp;  // 128 * sum_k b[j][k]: removes the +128 shift of A
  const float* scaleA;
  const float* scaleB;
  const float* bias;  // may be null
  float* out;
  int64_t ldo;
};

// rows: mr row pointers (rows past m repeat a valid row); bp: one packed panel.
using GemmU8S8Micro = void (*)(int64_t k, const uint8_t* const* rows, const int8_t* bp, const U8S8Tile& t, int m,
                               int n);

struct GemmU8S8Kernel {
  int mr;
  GemmU8S8Micro micro;
};

GemmF32Kernel GemmF32KernelScalar();
GemmI8Kernel GemmI8KernelScalar();
GemmU8S8Kernel GemmU8S8KernelScalar();
namespace avx2 {
GemmF32Kernel GemmF32Kernel();
GemmI8Kernel GemmI8Kernel();
GemmU8S8Kernel GemmU8S8Kernel();
}  // namespace avx2
namespace avx512 {
GemmF32Kernel GemmF32Kernel();
GemmI8Kernel GemmI8Kernel();
}  // namespace avx512

GemmF32Kernel SelectGemmF32();
GemmI8Kernel SelectGemmI8();
GemmU8S8Kernel SelectGemmU8S8();

}  // namespace frugal
