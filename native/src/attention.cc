// JS entry point of the fused attention kernel and its portable (one-lane) instantiation. Work is
// split over the thread pool by (batch, head, block of queries), so results never depend on the
// thread count. JS: attentionF32 (argument order in src/backend/native/binding.ts).
#include <initializer_list>
#include <string>
#include <utility>

#include "frugal/attention-kernels.h"
#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/simd/vec-scalar.h"
// The traits must precede the kernel template.
#include "frugal/simd/attention-impl.h"
#include "frugal/thread-pool.h"

namespace frugal {

AttentionKernel AttentionScalar() { return &AttentionUnits<VecScalar>; }

AttentionKernel SelectAttention() {
#ifdef FRUGAL_X86
  if (ActiveIsa() >= kIsaAvx512) return avx512::Attention();
  if (ActiveIsa() >= kIsaAvx2) return avx2::Attention();
#endif
  return AttentionScalar();
}

namespace {

// Geometry layout of the Int32Array argument (see binding.ts).
enum Geom : int {
  kBatch, kHeads, kKvHeads, kT, kS, kD, kDv, kCausal,
  kQOff, kQsB, kQsH, kQsT,
  kKOff, kKsB, kKsH, kKsS,
  kVOff, kVsB, kVsH, kVsS,
  kOOff, kOsB, kOsH, kOsT,
  kMOff, kMsB, kMsH, kMsT, kMsS,
  kGeomCount
};

// Elements [off, off + span) an operand touches, span from its per-axis extents and strides.
int64_t Span(const int32_t* g, std::initializer_list<std::pair<int64_t, int>> axes, int64_t inner) {
  int64_t last = inner - 1;
  for (const auto& [extent, stride] : axes) last += (extent - 1) * g[stride];
  return last + 1;
}

Napi::Value AttentionJs(const Napi::CallbackInfo& info) {
  Args args(info, "attentionF32");
  const ArrayArg<float> q = args.Array<float>(0, "q");
  const ArrayArg<float> k = args.Array<float>(1, "k");
  const ArrayArg<float> v = args.Array<float>(2, "v");
  const ArrayArg<float> out = args.Array<float>(3, "out");
  const ArrayArg<int32_t> geom = args.Array<int32_t>(5, "geom");
  const float scale = static_cast<float>(args.Num(6, "scale"));
  if (args.ok() && geom.length != kGeomCount) args.Fail("geom must have " + std::to_string(kGeomCount) + " entries");
  if (!args.ok()) return info.Env().Undefined();
  const int32_t* g = geom.data;
  for (int i = 0; i < kGeomCount; i++)
    if (g[i] < 0) args.Fail("geom entries must be >= 0 (entry " + std::to_string(i) + " is " + std::to_string(g[i]) + ")");
  const int64_t B = g[kBatch], H = g[kHeads], Hk = g[kKvHeads], T = g[kT], S = g[kS], D = g[kD], Dv = g[kDv];
  if (args.ok() && (Hk == 0 || H % Hk != 0)) args.Fail("heads must be a multiple of kvHeads");
  if (args.ok() && S == 0 && T > 0) args.Fail("attention needs at least one key");
  if (args.ok() && g[kCausal] && S < T) args.Fail("causal attention needs at least as many keys as queries");
  if (!args.ok() || B * H * T == 0) return info.Env().Undefined();
  args.Need(q, "q", g[kQOff], Span(g, {{B, kQsB}, {H, kQsH}, {T, kQsT}}, D));
  args.Need(k, "k", g[kKOff], Span(g, {{B, kKsB}, {Hk, kKsH}, {S, kKsS}}, D));
  args.Need(v, "v", g[kVOff], Span(g, {{B, kVsB}, {Hk, kVsH}, {S, kVsS}}, Dv));
  args.Need(out, "out", g[kOOff], Span(g, {{B, kOsB}, {H, kOsH}, {T, kOsT}}, Dv));
  const uint8_t* mask = nullptr;
  if (args.ok() && !args.IsNullish(4)) {
    // Bool tensors are stored as Uint8Array, which the shared argument reader does not cover.
    if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      args.Fail("argument 'mask' must be a Uint8Array or null");
      return info.Env().Undefined();
    }
    Napi::Uint8Array m = info[4].As<Napi::Uint8Array>();
    const int64_t span = Span(g, {{B, kMsB}, {H, kMsH}, {T, kMsT}, {S, kMsS}}, 1);
    if (g[kMOff] + span > static_cast<int64_t>(m.ElementLength())) {
      args.Fail("argument 'mask' needs elements [" + std::to_string(g[kMOff]) + ", " + std::to_string(g[kMOff] + span) +
                ") but has length " + std::to_string(m.ElementLength()));
    }
    mask = m.Data() + g[kMOff];
  }
  if (!args.ok()) return info.Env().Undefined();
  const AttentionGeom ag{B, H, Hk, T, S, D, Dv, g[kCausal] != 0, scale,
                         q.data + g[kQOff], g[kQsB], g[kQsH], g[kQsT],
                         k.data + g[kKOff], g[kKsB], g[kKsH], g[kKsS],
                         v.data + g[kVOff], g[kVsB], g[kVsH], g[kVsS],
                         out.data + g[kOOff], g[kOsB], g[kOsH], g[kOsT],
                         mask, g[kMsB], g[kMsH], g[kMsT], g[kMsS]};
  const AttentionKernel kernel = SelectAttention();
  const int64_t units = B * H * ((T + kAttentionRows - 1) / kAttentionRows);
  ParallelFor(units, 1, [&](int64_t b, int64_t e) { kernel(ag, b, e); });
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionF32", Napi::Function::New(env, AttentionJs, "attentionF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(attention, frugal::Init)
