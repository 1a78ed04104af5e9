// fmaPeak(threads, ms): the machine's measured multiply-add peak at the active ISA level, the
// yardstick GEMM efficiency is quoted against.
#include <chrono>
#include <vector>

#include "frugal/cpu.h"
#include "frugal/fma-peak.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal {

double FmaLoopScalar(int64_t iters) {
  // Four-wide chains the portable compiler keeps in SSE registers without ISA flags.
  float acc[12][4];
  for (int i = 0; i < 12; i++)
    for (int j = 0; j < 4; j++) acc[i][j] = static_cast<float>(i + j) * 1e-3f;
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < 12; i++)
      for (int j = 0; j < 4; j++) acc[i][j] = acc[i][j] * 0.999999f + 1e-7f;
  float s = 0;
  for (int i = 0; i < 12; i++)
    for (int j = 0; j < 4; j++) s += acc[i][j];
  volatile float sink = s;
  (void)sink;
  return static_cast<double>(iters) * 12 * 4 * 2;
}

namespace {

using FmaLoopFn = double (*)(int64_t);

FmaLoopFn Select() {
#ifdef FRUGAL_X86
  switch (ActiveIsa()) {
    case kIsaAvx512: return avx512::FmaLoop;
    case kIsaAvx2: return avx2::FmaLoop;
    default: break;
  }
#endif
  return FmaLoopScalar;
}

Napi::Value FmaPeakJs(const Napi::CallbackInfo& info) {
  Args args(info, "fmaPeak");
  const int64_t threads = args.Int(0, "threads", 1);
  const double ms = args.Num(1, "milliseconds");
  if (args.ok() && !(ms > 0 && ms <= 60000)) args.Fail("milliseconds must be in (0, 60000]");
  if (!args.ok()) return info.Env().Undefined();
  const FmaLoopFn loop = Select();
  const int nt = static_cast<int>(threads < NumThreads() ? threads : NumThreads());
  std::vector<double> gflops(nt, 0.0);
  ParallelRun(nt, [&](int tid, int) {
    using Clock = std::chrono::steady_clock;
    loop(20000);  // warm up the vector unit (clock/power-state transitions)
    double best = 0;
    const auto end = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
    while (Clock::now() < end) {
      const auto t0 = Clock::now();
      const double flops = loop(200000);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (flops / s > best) best = flops / s;
    }
    gflops[tid] = best / 1e9;
  });
  double total = 0;
  for (double g : gflops) total += g;
  return Napi::Number::New(info.Env(), total);
}

void Init(Napi::Env env, Napi::Object exports) { exports.Set("fmaPeak", Napi::Function::New(env, FmaPeakJs, "fmaPeak")); }

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(fma_peak, frugal::Init)
