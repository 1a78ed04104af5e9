// Backward kernels per ISA: activation derivatives (dx = g * f'(x)), the row-wise layer / RMS
// norm backward and the softmax / log-softmax backward, each one pass over its rows instead of a
// chain of elementwise ops.
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
  // Rows of softmax output y (log = false: dx = y (g - sum(g y))) or log-softmax output
  // (log = true: dx = g - exp(y) sum(g)).
  void (*softmax_grad_rows)(bool log, const float* y, const float* g, int64_t rows, int64_t cols, float* dx);
};

GradTable GradScalar();
namespace avx2 {
GradTable Grad();
}
GradTable SelectGrad();

}  // namespace frugal
