// Fused optimizer updates per ISA: one pass over a parameter tensor reads p, g and the state
// buffers once and writes them once. Hyper-parameters arrive precomputed (bias corrections as
// reciprocals), so the kernels hold no step counters.
#pragma once
#include <cstdint>

namespace frugal {

struct SgdHyper {
  float lr, weight_decay, momentum;
  bool nesterov;
};

struct AdamHyper {
  // l2 is added to the gradient (Adam); shrink multiplies p first (AdamW: 1 - lr * wd).
  float lr, beta1, beta2, eps, inv_c1, inv_c2, l2, shrink;
};

struct LambHyper {
  float beta1, beta2, eps, inv_c1, inv_c2, weight_decay;
};

struct OptimTable {
  // buf may be null (no momentum). Elements [0, n).
  void (*sgd)(const SgdHyper& h, float* p, const float* g, float* buf, int64_t n);
  void (*adam)(const AdamHyper& h, float* p, const float* g, float* m, float* v, int64_t n);
  // Updates m, v, writes the LAMB direction u and returns sum(p^2), sum(u^2) in f64.
  void (*lamb_direction)(const LambHyper& h, const float* p, const float* g, float* m, float* v, float* u,
                         int64_t n, double* p_sq, double* u_sq);
  // p -= step * u.
  void (*axpy)(float step, const float* u, float* p, int64_t n);
};

OptimTable OptimScalar();
namespace avx2 {
OptimTable Optim();
}
OptimTable SelectOptim();

}  // namespace frugal
