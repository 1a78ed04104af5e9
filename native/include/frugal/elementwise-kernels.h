// Elementwise, row-reduction and fused row kernels per ISA, one table each (same templates,
// different vector traits). Rows are contiguous: x is [rows, cols] row-major.
#pragma once
#include <cstdint>

namespace frugal {

enum UnaryOpCode : int { kNeg, kAbs, kExp, kLog, kSqrt, kRsqrt, kTanh, kSigmoid, kRelu, kGeluTanh, kGeluErf, kSilu, kUnaryCount };
enum BinaryOpCode : int { kAdd, kSub, kMul, kDiv, kPow, kMaximum, kMinimum, kBinaryCount };
enum ReduceOpCode : int { kSum, kMean, kMax, kMin, kVar, kLogSumExp, kReduceCount };

struct ElementwiseTable {
  // out[i] = op(x[i]), i < n.
  void (*unary)(int op, const float* x, float* out, int64_t n);
  // out[i] = a[i] op b[(i / inner) % bLen] for i in [begin, end).
  void (*binary)(int op, const float* a, const float* b, int64_t bLen, int64_t inner, float* out, int64_t begin,
                 int64_t end);
  void (*reduce_rows)(int op, const float* x, int64_t rows, int64_t cols, float* out);
  void (*argmax_rows)(const float* x, int64_t rows, int64_t cols, int32_t* out);
  void (*softmax_rows)(const float* x, int64_t rows, int64_t cols, float* out, bool log);
  void (*layer_norm_rows)(const float* x, int64_t rows, int64_t cols, const float* gamma, const float* beta, float eps,
                          float* out);
  void (*rms_norm_rows)(const float* x, int64_t rows, int64_t cols, const float* gamma, float eps, float* out);
};

ElementwiseTable ElementwiseScalar();
namespace avx2 {
ElementwiseTable Elementwise();
}
namespace avx512 {
ElementwiseTable Elementwise();
}
ElementwiseTable SelectElementwise();

}  // namespace frugal
