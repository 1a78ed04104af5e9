// Backward kernels per ISA: activation derivatives (dx = g * f'(x)) and the row-wise layer /
// RMS norm backward, each one pass over its rows instead of a chain of elementwise ops.
#pragma once
#include <cstdint>

namespace frugal {

enum ActGradCode : int { kActGeluTanh, kActGeluErf, kActSilu, kActGradCount };

struct GradTable {
  // out[i] = g[i] * f'(x[i]), i < n.
  void (*act_grad)(int op, const float* x, const float* g, float* out, int64_t n);
  // Rows of [rows, cols]: dx from x, gamma (null = ones) and g; dgamma += sum_rows g * xhat and
  // dbeta += sum_rows g (either may be null). rms: no mean subtraction and no dbeta.
  void (*norm_grad_rows)(bool rms, const float* x, const float* gamma, const float* g, int64_t rows, int64_t cols,
                         float eps, float* dx, float* dgamma, float* dbeta);
};

GradTable GradScalar();
namespace avx2 {
GradTable Grad();
}
GradTable SelectGrad();

}  // namespace frugal
