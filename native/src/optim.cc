// JS entry points for the fused optimizer updates, and the portable (one-lane) instantiation of
// their templates. Parameter, gradient and state arrays are updated in place; big tensors are
// split over the thread pool in static contiguous ranges (LAMB's norms are summed per range and
// then in range order, so a fixed thread count gives the same bits every run).
// JS: sgdStepF32, adamStepF32, lambStepF32 (argument order in src/backend/native/binding.ts).
#include <cmath>
#include <vector>

#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/optim-kernels.h"
#include "frugal/registry.h"
#include "frugal/simd/vec-scalar.h"
// The traits must precede the kernel templates.
#include "frugal/simd/optim-impl.h"
#include "frugal/thread-pool.h"

namespace frugal {

OptimTable OptimScalar() { return MakeOptimTable<VecScalar>(); }

OptimTable SelectOptim() {
#ifdef FRUGAL_X86
  // AVX-512 CPUs run the AVX2 kernels: the update is memory-bound, wider lanes do not help.
  if (ActiveIsa() >= kIsaAvx2) return avx2::Optim();
#endif
  return OptimScalar();
}

namespace {

// Below this many elements per thread, waking a worker costs more than it saves.
constexpr int64_t kGrain = 32768;

struct Span {
  float* p = nullptr;
  const float* g = nullptr;
  int64_t n = 0;
};

// Reads (p, pOffset, g, gOffset, n) from argument 0.
Span ReadSpan(Args& args) {
  Span s;
  const ArrayArg<float> p = args.Array<float>(0, "p");
  const int64_t pOff = args.Int(1, "pOffset");
  const ArrayArg<float> g = args.Array<float>(2, "g");
  const int64_t gOff = args.Int(3, "gOffset");
  s.n = args.Int(4, "n");
  args.Need(p, "p", pOff, s.n);
  args.Need(g, "g", gOff, s.n);
  if (args.ok()) {
    s.p = p.data + pOff;
    s.g = g.data + gOff;
  }
  return s;
}

float* ReadState(Args& args, size_t idx, const char* name, int64_t n) {
  const ArrayArg<float> a = args.Array<float>(idx, name);
  args.Need(a, name, 0, n);
  return args.ok() ? a.data : nullptr;
}

float Hyper(Args& args, size_t idx, const char* name) { return static_cast<float>(args.Num(idx, name)); }

Napi::Value SgdJs(const Napi::CallbackInfo& info) {
  Args args(info, "sgdStepF32");
  const Span s = ReadSpan(args);
  float* buf = args.IsNullish(5) ? nullptr : ReadState(args, 5, "buf", s.n);
  SgdHyper h{};
  h.lr = Hyper(args, 6, "lr");
  h.weight_decay = Hyper(args, 7, "weightDecay");
  h.momentum = Hyper(args, 8, "momentum");
  h.nesterov = args.Bool(9, "nesterov");
  if (!args.ok()) return info.Env().Undefined();
  const OptimTable t = SelectOptim();
  ParallelFor(s.n, kGrain, [&](int64_t b, int64_t e) {
    t.sgd(h, s.p + b, s.g + b, buf ? buf + b : nullptr, e - b);
  });
  return info.Env().Undefined();
}

Napi::Value AdamJs(const Napi::CallbackInfo& info) {
  Args args(info, "adamStepF32");
  const Span s = ReadSpan(args);
  float* m = ReadState(args, 5, "m", s.n);
  float* v = ReadState(args, 6, "v", s.n);
  AdamHyper h{};
  h.lr = Hyper(args, 7, "lr");
  h.beta1 = Hyper(args, 8, "beta1");
  h.beta2 = Hyper(args, 9, "beta2");
  h.eps = Hyper(args, 10, "eps");
  h.inv_c1 = Hyper(args, 11, "invC1");
  h.inv_c2 = Hyper(args, 12, "invC2");
  h.l2 = Hyper(args, 13, "l2");
  h.shrink = Hyper(args, 14, "shrink");
  if (!args.ok()) return info.Env().Undefined();
  const OptimTable t = SelectOptim();
  ParallelFor(s.n, kGrain, [&](int64_t b, int64_t e) { t.adam(h, s.p + b, s.g + b, m + b, v + b, e - b); });
  return info.Env().Undefined();
}

// Returns the trust ratio it applied.
Napi::Value LambJs(const Napi::CallbackInfo& info) {
  Args args(info, "lambStepF32");
  const Span s = ReadSpan(args);
  float* m = ReadState(args, 5, "m", s.n);
  float* v = ReadState(args, 6, "v", s.n);
  float* u = ReadState(args, 7, "u", s.n);
  const float lr = Hyper(args, 8, "lr");
  LambHyper h{};
  h.beta1 = Hyper(args, 9, "beta1");
  h.beta2 = Hyper(args, 10, "beta2");
  h.eps = Hyper(args, 11, "eps");
  h.inv_c1 = Hyper(args, 12, "invC1");
  h.inv_c2 = Hyper(args, 13, "invC2");
  h.weight_decay = Hyper(args, 14, "weightDecay");
  if (!args.ok()) return info.Env().Undefined();
  const OptimTable t = SelectOptim();
  const int64_t want = (s.n + kGrain - 1) / kGrain;
  const int parts = static_cast<int>(want < NumThreads() ? (want > 0 ? want : 1) : NumThreads());
  std::vector<double> sums(2 * static_cast<size_t>(parts), 0.0);
  ParallelRun(parts, [&](int tid, int nth) {
    // Ranges depend on `parts` only, so the summation order is fixed even if fewer threads run.
    for (int part = tid; part < parts; part += nth) {
      int64_t b, e;
      StaticPartition(s.n, parts, part, 64, &b, &e);
      t.lamb_direction(h, s.p + b, s.g + b, m + b, v + b, u + b, e - b, &sums[2 * part], &sums[2 * part + 1]);
    }
  });
  double pSq = 0, uSq = 0;
  for (int part = 0; part < parts; part++) {
    pSq += sums[2 * part];
    uSq += sums[2 * part + 1];
  }
  const double trust = pSq > 0 && uSq > 0 ? std::sqrt(pSq) / std::sqrt(uSq) : 1.0;
  const float step = static_cast<float>(lr * trust);
  ParallelFor(s.n, kGrain, [&](int64_t b, int64_t e) { t.axpy(step, u + b, s.p + b, e - b); });
  return Napi::Number::New(info.Env(), trust);
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStepF32", Napi::Function::New(env, SgdJs, "sgdStepF32"));
  exports.Set("adamStepF32", Napi::Function::New(env, AdamJs, "adamStepF32"));
  exports.Set("lambStepF32", Napi::Function::New(env, LambJs, "lambStepF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(optim, frugal::Init)
