// JS entry points for the backward kernels (activation derivatives, layer / RMS norm and softmax
// backward) and the portable (one-lane) instantiation of their templates. Rows are split over
// the thread pool; dgamma / dbeta are summed per row range and then in range order, so a fixed
// thread count gives the same bits every run.
// JS: actGradF32, normGradRowsF32, softmaxGradRowsF32 (argument order in
// src/backend/native/binding.ts).
#include <cstring>
#include <string>
#include <vector>

#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/simd/vec-scalar.h"
// The traits must precede the kernel templates.
#include "frugal/simd/grad-impl.h"
#include "frugal/thread-pool.h"

namespace frugal {

GradTable GradScalar() { return MakeGradTable<VecScalar>(); }

GradTable SelectGrad() {
#ifdef FRUGAL_X86
  // AVX-512 CPUs run the AVX2 kernels (no 16-lane instantiation yet).
  if (ActiveIsa() >= kIsaAvx2) return avx2::Grad();
#endif
  return GradScalar();
}

namespace {

// Below this many elements per thread, waking a worker costs more than it saves.
constexpr int64_t kGrain = 16384;

const char* const kActNames[] = {"gelu_tanh", "gelu_erf", "silu"};
static_assert(sizeof(kActNames) / sizeof(kActNames[0]) == kActGradCount, "activation names");

Napi::Value ActGradJs(const Napi::CallbackInfo& info) {
  Args args(info, "actGradF32");
  int op = -1;
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    for (int i = 0; i < kActGradCount; i++)
      if (name == kActNames[i]) op = i;
  }
  if (op < 0) args.Fail("argument 'op' must be one of: gelu_tanh, gelu_erf, silu");
  const ArrayArg<float> x = args.Array<float>(1, "x");
  const int64_t xOff = args.Int(2, "xOffset");
  const ArrayArg<float> g = args.Array<float>(3, "g");
  const int64_t gOff = args.Int(4, "gOffset");
  const ArrayArg<float> out = args.Array<float>(5, "out");
  const int64_t oOff = args.Int(6, "outOffset");
  const int64_t n = args.Int(7, "n");
  args.Need(x, "x", xOff, n);
  args.Need(g, "g", gOff, n);
  args.Need(out, "out", oOff, n);
  if (!args.ok()) return info.Env().Undefined();
  const GradTable t = SelectGrad();
  const float* px = x.data + xOff;
  const float* pg = g.data + gOff;
  float* po = out.data + oOff;
  ParallelFor(n, kGrain, [&](int64_t b, int64_t e) { t.act_grad(op, px + b, pg + b, po + b, e - b); });
  return info.Env().Undefined();
}

float* ReadOptionalCols(Args& args, size_t idx, const char* name, int64_t cols) {
  if (args.IsNullish(idx)) return nullptr;
  const ArrayArg<float> a = args.Array<float>(idx, name);
  if (args.ok() && a.length != cols)
    args.Fail(std::string("argument '") + name + "' must have cols = " + std::to_string(cols) + " entries, got " +
              std::to_string(a.length));
  return args.ok() ? a.data : nullptr;
}

Napi::Value NormGradJs(const Napi::CallbackInfo& info) {
  Args args(info, "normGradRowsF32");
  const bool rms = args.Bool(0, "rms");
  const ArrayArg<float> x = args.Array<float>(1, "x");
  const int64_t xOff = args.Int(2, "xOffset");
  const int64_t rows = args.Int(3, "rows");
  const int64_t cols = args.Int(4, "cols");
  const float* gamma = ReadOptionalCols(args, 5, "gamma", cols);
  const ArrayArg<float> g = args.Array<float>(6, "g");
  const int64_t gOff = args.Int(7, "gOffset");
  const float eps = static_cast<float>(args.Num(8, "eps"));
  const ArrayArg<float> dx = args.Array<float>(9, "dx");
  const int64_t dxOff = args.Int(10, "dxOffset");
  float* dgamma = ReadOptionalCols(args, 11, "dgamma", cols);
  float* dbeta = ReadOptionalCols(args, 12, "dbeta", cols);
  args.Need(x, "x", xOff, rows * cols);
  args.Need(g, "g", gOff, rows * cols);
  args.Need(dx, "dx", dxOff, rows * cols);
  if (args.ok() && !(eps >= 0)) args.Fail("eps must be >= 0");
  if (args.ok() && rms && dbeta) args.Fail("RMS norm has no beta: pass dbeta = null");
  if (!args.ok()) return info.Env().Undefined();
  const GradTable t = SelectGrad();
  const int64_t want = cols > 0 ? rows * cols / kGrain : 0;
  const int parts = static_cast<int>(want < 1 ? 1 : (want < NumThreads() ? want : NumThreads()));
  const int64_t width = static_cast<int64_t>(cols);
  std::vector<float> partial(static_cast<size_t>(parts) * 2 * width, 0.0f);
  const float* px = x.data + xOff;
  const float* pg = g.data + gOff;
  float* pdx = dx.data + dxOff;
  ParallelRun(parts, [&](int tid, int nth) {
    for (int part = tid; part < parts; part += nth) {
      int64_t b, e;
      StaticPartition(rows, parts, part, 1, &b, &e);
      float* pgam = dgamma ? partial.data() + part * 2 * width : nullptr;
      float* pbet = dbeta ? partial.data() + part * 2 * width + width : nullptr;
      t.norm_grad_rows(rms, px + b * cols, gamma, pg + b * cols, e - b, cols, eps, pdx + b * cols, pgam, pbet);
    }
  });
  for (float* dst : {dgamma, dbeta}) {
    if (!dst) continue;
    const int64_t shift = dst == dbeta ? width : 0;
    std::memset(dst, 0, static_cast<size_t>(width) * sizeof(float));
    for (int part = 0; part < parts; part++) {
      const float* src = partial.data() + part * 2 * width + shift;
      for (int64_t i = 0; i < width; i++) dst[i] += src[i];
    }
  }
  return info.Env().Undefined();
}

Napi::Value SoftmaxGradJs(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxGradRowsF32");
  const bool log = args.Bool(0, "log");
  const ArrayArg<float> y = args.Array<float>(1, "y");
  const int64_t yOff = args.Int(2, "yOffset");
  const ArrayArg<float> g = args.Array<float>(3, "g");
  const int64_t gOff = args.Int(4, "gOffset");
  const int64_t rows = args.Int(5, "rows");
  const int64_t cols = args.Int(6, "cols");
  const ArrayArg<float> dx = args.Array<float>(7, "dx");
  const int64_t dxOff = args.Int(8, "dxOffset");
  args.Need(y, "y", yOff, rows * cols);
  args.Need(g, "g", gOff, rows * cols);
  args.Need(dx, "dx", dxOff, rows * cols);
  if (!args.ok()) return info.Env().Undefined();
  const GradTable t = SelectGrad();
  const float* py = y.data + yOff;
  const float* pg = g.data + gOff;
  float* pd = dx.data + dxOff;
  ParallelFor(rows, cols > 0 && cols < kGrain ? kGrain / cols : 1, [&](int64_t b, int64_t e) {
    t.softmax_grad_rows(log, py + b * cols, pg + b * cols, e - b, cols, pd + b * cols);
  });
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxGradRowsF32", Napi::Function::New(env, SoftmaxGradJs, "softmaxGradRowsF32"));
  exports.Set("actGradF32", Napi::Function::New(env, ActGradJs, "actGradF32"));
  exports.Set("normGradRowsF32", Napi::Function::New(env, NormGradJs, "normGradRowsF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(grad, frugal::Init)
