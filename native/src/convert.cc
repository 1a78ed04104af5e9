// Conversions between f32 and the 16-bit float formats, round-to-nearest-even.
// JS: f32ToBf16, bf16ToF32, f32ToF16, f16ToF32 (x, xOffset, out, outOffset, n).
#include <cstring>

#include "frugal/convert-kernels.h"
#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal {
namespace {

inline uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void F32ToBf16(const float* x, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint32_t u = Bits(x[i]);
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
    out[i] = nan ? static_cast<uint16_t>((u >> 16) | 0x40u) : static_cast<uint16_t>(rounded >> 16);
  }
}

void Bf16ToF32(const uint16_t* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = FromBits(static_cast<uint32_t>(x[i]) << 16);
}

}  // namespace

void F32ToF16Scalar(const float* x, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint32_t u = Bits(x[i]);
    const uint32_t sign = (u >> 16) & 0x8000u;
    const uint32_t absu = u & 0x7fffffffu;
    uint32_t h;
    if (absu > 0x7f800000u) {
      h = 0x7e00u | ((absu >> 13) & 0x3ffu);  // quiet NaN, keep payload bits
    } else if (absu >= 0x477ff000u) {
      h = 0x7c00u;  // overflows to infinity after rounding (>= 65520)
    } else if (absu >= 0x38800000u) {
      // Normal half: rebias the exponent, round the 13 dropped mantissa bits to nearest even.
      const uint32_t v = absu - 0x38000000u;
      h = (v + 0xfffu + ((v >> 13) & 1u)) >> 13;
    } else if (absu > 0x33000000u) {
      // Subnormal half: shift the full mantissa (with implicit 1) into place, rounding to even.
      const uint32_t e = absu >> 23, mant = (absu & 0x7fffffu) | 0x800000u;
      const uint32_t shift = 126 - e;  // 14..24
      const uint32_t half = 1u << (shift - 1);
      const uint32_t rest = mant & ((1u << shift) - 1);
      h = mant >> shift;
      if (rest > half || (rest == half && (h & 1u))) h++;
    } else {
      h = 0;  // at or below 2^-25 rounds to zero (2^-25 itself is a tie that rounds to even 0)
    }
    out[i] = static_cast<uint16_t>(sign | h);
  }
}

void F16ToF32Scalar(const uint16_t* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint32_t sign = static_cast<uint32_t>(x[i] & 0x8000u) << 16;
    const uint32_t e = (x[i] >> 10) & 0x1fu, mant = x[i] & 0x3ffu;
    uint32_t u;
    if (e == 0x1f) u = sign | 0x7f800000u | (mant << 13);
    else if (e != 0) u = sign | ((e + 112) << 23) | (mant << 13);
    else if (mant == 0) u = sign;
    else {
      // Subnormal half: value = mant * 2^-24, exact in f32.
      const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
      u = sign | Bits(v);
    }
    out[i] = FromBits(u);
  }
}

namespace {

template <typename In, typename Out>
Napi::Value ConvertJs(const Napi::CallbackInfo& info, const char* op, void (*scalar)(const In*, Out*, int64_t),
                      void (*avx2fn)(const In*, Out*, int64_t)) {
  Args args(info, op);
  const ArrayArg<In> x = args.Array<In>(0, "x");
  const int64_t xOff = args.Int(1, "xOffset");
  const ArrayArg<Out> out = args.Array<Out>(2, "out");
  const int64_t outOff = args.Int(3, "outOffset");
  const int64_t n = args.Int(4, "n");
  args.Need(x, "x", xOff, n);
  args.Need(out, "out", outOff, n);
  if (!args.ok()) return info.Env().Undefined();
  auto fn = (avx2fn && ActiveIsa() >= kIsaAvx2) ? avx2fn : scalar;
  const In* src = x.data + xOff;
  Out* dst = out.data + outOff;
  ParallelFor(n, 1 << 16, [&](int64_t b, int64_t e) { fn(src + b, dst + b, e - b); });
  return info.Env().Undefined();
}

#ifdef FRUGAL_X86
constexpr auto kF32ToF16Avx2 = avx2::F32ToF16;
constexpr auto kF16ToF32Avx2 = avx2::F16ToF32;
#else
constexpr void (*kF32ToF16Avx2)(const float*, uint16_t*, int64_t) = nullptr;
constexpr void (*kF16ToF32Avx2)(const uint16_t*, float*, int64_t) = nullptr;
#endif

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("f32ToBf16", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return ConvertJs<float, uint16_t>(i, "f32ToBf16", F32ToBf16, nullptr);
  }));
  exports.Set("bf16ToF32", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return ConvertJs<uint16_t, float>(i, "bf16ToF32", Bf16ToF32, nullptr);
  }));
  exports.Set("f32ToF16", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return ConvertJs<float, uint16_t>(i, "f32ToF16", F32ToF16Scalar, kF32ToF16Avx2);
  }));
  exports.Set("f16ToF32", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return ConvertJs<uint16_t, float>(i, "f16ToF32", F16ToF32Scalar, kF16ToF32Avx2);
  }));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(convert, frugal::Init)
