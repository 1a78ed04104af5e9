// CPU feature detection (cpuid + xgetbv) and the dispatch level; JS: cpuInfo, setIsaMax.
#include "frugal/cpu.h"

#include <atomic>
#include <cstdlib>

#include "frugal/registry.h"
#include "frugal/thread-pool.h"

#if defined(FRUGAL_X86) && (defined(__x86_64__) || defined(_M_X64))
#include <cpuid.h>
#define FRUGAL_HAVE_CPUID 1
#endif

namespace frugal {
namespace {

CpuFeatures Detect() {
  CpuFeatures f;
#ifdef FRUGAL_HAVE_CPUID
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  f.fma = (c >> 12) & 1;
  f.f16c = (c >> 29) & 1;
  if (osxsave) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    f.os_ymm = (lo & 0x6) == 0x6;
    f.os_zmm = f.os_ymm && (lo & 0xe0) == 0xe0;
  }
  if (__get_cpuid_max(0, nullptr) >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512vnni = (c >> 11) & 1;
    __cpuid_count(7, 1, a, b, c, d);
    f.avx512bf16 = (a >> 5) & 1;
  }
#endif
  return f;
}

IsaLevel DetectLevel(const CpuFeatures& f) {
#ifdef FRUGAL_HAVE_CPUID
  if (f.os_zmm && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx2 && f.fma && f.f16c) return kIsaAvx512;
  if (f.os_ymm && f.avx2 && f.fma && f.f16c) return kIsaAvx2;
#else
  (void)f;
#endif
  return kIsaScalar;
}

IsaLevel InitialMax() {
  const char* env = std::getenv("FRUGAL_CPU_MAX");
  IsaLevel level;
  if (env && ParseIsa(env, &level)) return level;
  return kIsaAvx512;
}

std::atomic<int> g_isa_max{InitialMax()};

}  // namespace

const CpuFeatures& Cpu() {
  static const CpuFeatures features = Detect();
  return features;
}

std::vector<std::string> CpuFeatureNames() {
  const CpuFeatures& f = Cpu();
  std::vector<std::string> out;
  const std::pair<bool, const char*> all[] = {
      {f.avx2, "avx2"},         {f.fma, "fma"},           {f.f16c, "f16c"},
      {f.avx512f, "avx512f"},   {f.avx512bw, "avx512bw"}, {f.avx512vl, "avx512vl"},
      {f.avx512dq, "avx512dq"}, {f.avx512vnni, "avx512vnni"}, {f.avx512bf16, "avx512bf16"},
  };
  for (const auto& [has, name] : all)
    if (has) out.emplace_back(name);
  return out;
}

IsaLevel CompiledIsa() {
#ifdef FRUGAL_HAVE_CPUID
  return kIsaAvx512;
#else
  return kIsaScalar;
#endif
}

IsaLevel DetectedIsa() {
  static const IsaLevel level = DetectLevel(Cpu());
  return level;
}

IsaLevel ActiveIsa() {
  const int max = g_isa_max.load(std::memory_order_relaxed);
  const int det = DetectedIsa();
  return static_cast<IsaLevel>(det < max ? det : max);
}

void SetIsaMax(IsaLevel level) { g_isa_max.store(level, std::memory_order_relaxed); }

const char* IsaName(IsaLevel level) {
  switch (level) {
    case kIsaAvx512: return "avx512";
    case kIsaAvx2: return "avx2";
    default: return "scalar";
  }
}

bool ParseIsa(const std::string& name, IsaLevel* out) {
  if (name == "avx512") *out = kIsaAvx512;
  else if (name == "avx2") *out = kIsaAvx2;
  else if (name == "scalar") *out = kIsaScalar;
  else return false;
  return true;
}

namespace {

Napi::Value CpuInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const auto names = CpuFeatureNames();
  Napi::Array feats = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) feats.Set(static_cast<uint32_t>(i), names[i]);
  o.Set("features", feats);
  o.Set("detected", IsaName(DetectedIsa()));
  o.Set("level", IsaName(ActiveIsa()));
  o.Set("compiled", IsaName(CompiledIsa()));
  o.Set("max", IsaName(static_cast<IsaLevel>(g_isa_max.load())));
  o.Set("threads", NumThreads());
  return o;
}

Napi::Value SetIsaMaxJs(const Napi::CallbackInfo& info) {
  IsaLevel level;
  if (info.Length() < 1 || !info[0].IsString() || !ParseIsa(info[0].As<Napi::String>().Utf8Value(), &level)) {
    Napi::Error::New(info.Env(), "setIsaMax: level must be 'avx512', 'avx2' or 'scalar'").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  SetIsaMax(level);
  return Napi::String::New(info.Env(), IsaName(ActiveIsa()));
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuInfo", Napi::Function::New(env, CpuInfoJs, "cpuInfo"));
  exports.Set("setIsaMax", Napi::Function::New(env, SetIsaMaxJs, "setIsaMax"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(cpu, frugal::Init)
