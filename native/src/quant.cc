// ZeroQuant / XTC inference kernels.
//  quantizeRowsI8(rows, cols, x, xOff, out, outOff, scales, scalesOff): token-wise dynamic INT8
//    activation quantization (one scale per row; contract in frugal/quant-kernels.h).
//  quantizeRowsU8(same arguments, out a Uint8Array): the same codes + 128, the A operand of the
//    u8 x s8 GEMM (gemmU8S8); the shift is an xor of the sign bit in the same pass.
//  gemmPacked(bits, m, n, k, a, aOff, w, wOff, out, outOff, scaleA, scaleW, bias|null, groupSize):
//    out f32 [m, n] = sum over k-groups g of float(acc_g) * scaleA[i] * scaleW[j, g] (+ bias[j]),
//    A int8 [m, k] row-major, W packed low-bit codes [n, k * bits / 8] bytes passed as an Int8Array,
//    little-endian within a byte (code k sits at bit (k * bits) % 8 of byte k * bits / 8):
//      bits 4: two's complement nibbles (-8..7), bits 2: two's complement (-2..1; ternary uses
//      -1, 0, 1), bits 1: a set bit is +1, a clear bit -1 (binary).
//    W is unpacked (sign-extended) straight into the int16 k-pair panels of the int8 GEMM, once
//    per panel and shared by every row block of A, and the int8 microkernels (AVX2 / AVX-512 /
//    portable) do the arithmetic: weights are read from memory at `bits` bits each, int32 sums
//    are exact.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "frugal/aligned-buffer.h"
#include "frugal/cpu.h"
#include "frugal/gemm-kernels.h"
#include "frugal/napi-args.h"
#include "frugal/quant-kernels.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal {

float QuantizeRowI8Scalar(const float* x, int64_t cols, int8_t* out) {
  float absmax = 0.0f;
  for (int64_t j = 0; j < cols; j++) absmax = std::fmax(absmax, std::fabs(x[j]));
  const float inv = absmax > 0.0f ? 127.0f / absmax : 0.0f;
  for (int64_t j = 0; j < cols; j++) {
    const float v = std::nearbyint(x[j] * inv);
    out[j] = static_cast<int8_t>(std::fmin(127.0f, std::fmax(-127.0f, v)));
  }
  return absmax / 127.0f;
}

float QuantizeRowU8Scalar(const float* x, int64_t cols, uint8_t* out) {
  const float scale = QuantizeRowI8Scalar(x, cols, reinterpret_cast<int8_t*>(out));
  for (int64_t j = 0; j < cols; j++) out[j] ^= 0x80;
  return scale;
}

QuantizeRowU8 SelectQuantizeRowU8() {
#ifdef FRUGAL_X86
  if (ActiveIsa() >= kIsaAvx512) return avx512::QuantizeRowU8;
  if (ActiveIsa() >= kIsaAvx2) return avx2::QuantizeRowU8;
#endif
  return QuantizeRowU8Scalar;
}

QuantizeRowI8 SelectQuantizeRowI8() {
#ifdef FRUGAL_X86
  if (ActiveIsa() >= kIsaAvx512) return avx512::QuantizeRowI8;
  if (ActiveIsa() >= kIsaAvx2) return avx2::QuantizeRowI8;
#endif
  return QuantizeRowI8Scalar;
}

namespace {

constexpr int kMaxTile = 16 * 64;
constexpr int64_t kMaxGroup = 131072;

// Packs int8 rows [r0, r0 + count) of A (row stride k), k values [p0, p0 + kc), kc even, into
// panels of `width` rows of int16 k-pairs, zero-padded (the int8 GEMM's A layout).
void PackA(const int8_t* src, int64_t k, int64_t r0, int64_t count, int64_t p0, int64_t kc, int width,
           int16_t* out) {
  const int64_t kpairs = kc / 2;
  for (int64_t pr = 0; pr < count; pr += width) {
    int16_t* panel = out + pr * kpairs * 2;
    for (int r = 0; r < width; r++) {
      int16_t* dst = panel + r * 2;
      if (pr + r >= count) {
        for (int64_t q = 0; q < kpairs; q++) dst[q * width * 2] = dst[q * width * 2 + 1] = 0;
        continue;
      }
      const int8_t* row = src + (r0 + pr + r) * k + p0;
      for (int64_t q = 0; q < kpairs; q++) {
        dst[q * width * 2] = row[2 * q];
        dst[q * width * 2 + 1] = row[2 * q + 1];
      }
    }
  }
}

inline int16_t Code(const uint8_t* row, int64_t k, int bits) {
  const int64_t bit = k * bits;
  const int v = (row[bit >> 3] >> (bit & 7)) & ((1 << bits) - 1);
  if (bits == 1) return v ? 1 : -1;
  return static_cast<int16_t>(v >= (1 << (bits - 1)) ? v - (1 << bits) : v);
}

// The same layout from packed low-bit rows (row stride k * bits / 8 bytes). For INT4 one byte is
// one k-pair, decoded with two shifts; 2- and 1-bit codes go through Code().
void PackPacked(const uint8_t* src, int bits, int64_t k, int64_t r0, int64_t count, int64_t p0, int64_t kc,
                int width, int16_t* out) {
  const int64_t kpairs = kc / 2, rowBytes = k * bits / 8;
  for (int64_t pr = 0; pr < count; pr += width) {
    int16_t* panel = out + pr * kpairs * 2;
    for (int r = 0; r < width; r++) {
      int16_t* dst = panel + r * 2;
      if (pr + r >= count) {
        for (int64_t q = 0; q < kpairs; q++) dst[q * width * 2] = dst[q * width * 2 + 1] = 0;
        continue;
      }
      const uint8_t* row = src + (r0 + pr + r) * rowBytes;
      if (bits == 4) {
        const uint8_t* bytes = row + p0 / 2;
        for (int64_t q = 0; q < kpairs; q++) {
          const int8_t byte = static_cast<int8_t>(bytes[q]);
          dst[q * width * 2] = static_cast<int16_t>(static_cast<int8_t>(byte << 4) >> 4);
          dst[q * width * 2 + 1] = static_cast<int16_t>(byte >> 4);
        }
        continue;
      }
      for (int64_t q = 0; q < kpairs; q++) {
        dst[q * width * 2] = Code(row, p0 + 2 * q, bits);
        dst[q * width * 2 + 1] = Code(row, p0 + 2 * q + 1, bits);
      }
    }
  }
}

struct PackedProblem {
  int bits;
  int64_t m, n, k, groupSize;
  const int8_t* a;
  const uint8_t* w;
  float* out;
  const float* scaleA;
  const float* scaleW;
  const float* bias;
};

thread_local AlignedBuffer<int16_t> t_pack_a, t_pack_w;

// scaleWt is scaleW transposed to [groups, n], so the inner loop reads scales contiguously and
// vectorizes; the operation order ((acc * sa) * sw, then + bias or + out) is the reference's.
void Epilogue(const PackedProblem& p, const float* scaleWt, const int32_t* tile, int64_t i0, int64_t j0, int m, int n,
              int64_t group, bool first) {
  const float* sw = scaleWt + group * p.n + j0;
  for (int i = 0; i < m; i++) {
    const float sa = p.scaleA[i0 + i];
    const int32_t* t = tile + i * n;
    float* out = p.out + (i0 + i) * p.n + j0;
    if (first && p.bias) {
      const float* b = p.bias + j0;
      for (int j = 0; j < n; j++) out[j] = static_cast<float>(t[j]) * sa * sw[j] + b[j];
    } else if (first) {
      for (int j = 0; j < n; j++) out[j] = static_cast<float>(t[j]) * sa * sw[j];
    } else {
      for (int j = 0; j < n; j++) out[j] += static_cast<float>(t[j]) * sa * sw[j];
    }
  }
}

void PackedRegion(const GemmI8Kernel& kr, const PackedProblem& p, const float* scaleWt, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int64_t kpMax = p.groupSize / 2;
  const int64_t ncMax = std::min<int64_t>(kr.nc, ((n1 - n0 + kr.nr - 1) / kr.nr) * kr.nr);
  const int64_t mcMax = std::min<int64_t>(kr.mc, ((m1 - m0 + kr.mr - 1) / kr.mr) * kr.mr);
  int16_t* wp = t_pack_w.Get(static_cast<size_t>(kpMax * 2 * ncMax));
  int16_t* ap = t_pack_a.Get(static_cast<size_t>(kpMax * 2 * mcMax));
  int32_t tile[kMaxTile];
  for (int64_t jc = n0; jc < n1; jc += kr.nc) {
    const int64_t nc = std::min<int64_t>(kr.nc, n1 - jc);
    int64_t group = 0;
    for (int64_t pc = 0; pc < p.k; pc += p.groupSize, group++) {
      const int64_t kc = p.groupSize, kpairs = kc / 2;
      PackPacked(p.w, p.bits, p.k, jc, nc, pc, kc, kr.nr, wp);
      for (int64_t ic = m0; ic < m1; ic += kr.mc) {
        const int64_t mc = std::min<int64_t>(kr.mc, m1 - ic);
        PackA(p.a, p.k, ic, mc, pc, kc, kr.mr, ap);
        for (int64_t jr = 0; jr < nc; jr += kr.nr) {
          const int n = static_cast<int>(std::min<int64_t>(kr.nr, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kr.mr) {
            const int m = static_cast<int>(std::min<int64_t>(kr.mr, mc - ir));
            kr.micro(kpairs, ap + ir * kpairs * 2, wp + jr * kpairs * 2, tile, n, false, m, n);
            Epilogue(p, scaleWt, tile, ic + ir, jc + jr, m, n, group, pc == 0);
          }
        }
      }
    }
  }
}

void GemmPacked(const PackedProblem& p) {
  const GemmI8Kernel kr = SelectGemmI8();
  const int64_t groups = p.k / p.groupSize;
  AlignedBuffer<float> transposed;
  float* scaleWt = transposed.Get(static_cast<size_t>(groups * p.n));
  for (int64_t j = 0; j < p.n; j++)
    for (int64_t g = 0; g < groups; g++) scaleWt[g * p.n + j] = p.scaleW[j * groups + g];
  int threads = NumThreads();
  if (2.0 * p.m * p.n * p.k < 2e6) threads = 1;
  const int64_t tilesM = (p.m + kr.mr - 1) / kr.mr, tilesN = (p.n + kr.nr - 1) / kr.nr;
  const bool splitN = tilesN >= 2 * threads || tilesN >= tilesM;
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t m0 = 0, m1 = p.m, n0 = 0, n1 = p.n;
    if (splitN) StaticPartition(p.n, nt, tid, kr.nr, &n0, &n1);
    else StaticPartition(p.m, nt, tid, kr.mr, &m0, &m1);
    PackedRegion(kr, p, scaleWt, m0, m1, n0, n1);
  });
}

Napi::Value GemmPackedJs(const Napi::CallbackInfo& info) {
  Args args(info, "gemmPacked");
  PackedProblem p{};
  p.bits = static_cast<int>(args.Int(0, "bits", 1));
  p.m = args.Int(1, "m");
  p.n = args.Int(2, "n");
  p.k = args.Int(3, "k");
  const ArrayArg<int8_t> a = args.Array<int8_t>(4, "a");
  const int64_t aOff = args.Int(5, "aOffset");
  const ArrayArg<int8_t> w = args.Array<int8_t>(6, "w");
  const int64_t wOff = args.Int(7, "wOffset");
  const ArrayArg<float> out = args.Array<float>(8, "out");
  const int64_t outOff = args.Int(9, "outOffset");
  const ArrayArg<float> scaleA = args.Array<float>(10, "scaleA");
  const ArrayArg<float> scaleW = args.Array<float>(11, "scaleW");
  p.groupSize = args.Int(13, "groupSize", 2);
  if (args.ok() && p.bits != 4 && p.bits != 2 && p.bits != 1) args.Fail("bits must be 4, 2 or 1");
  // Groups start on byte boundaries and span whole k-pairs.
  const int64_t align = p.bits == 4 ? 2 : 8;
  if (args.ok() && (p.groupSize % align != 0 || p.groupSize > kMaxGroup || p.k % p.groupSize != 0))
    args.Fail("groupSize (" + std::to_string(p.groupSize) + ") must be a multiple of " + std::to_string(align) +
              ", <= 131072 and divide k (" + std::to_string(p.k) + ")");
  args.Need(a, "a", aOff, p.m * p.k);
  args.Need(w, "w", wOff, p.n * (p.k * p.bits / 8));
  args.Need(out, "out", outOff, p.m * p.n);
  args.Need(scaleA, "scaleA", 0, p.m);
  args.Need(scaleW, "scaleW", 0, p.n * (p.k / std::max<int64_t>(p.groupSize, 1)));
  if (!args.IsNullish(12)) {
    const ArrayArg<float> bias = args.Array<float>(12, "bias");
    args.Need(bias, "bias", 0, p.n);
    p.bias = bias.data;
  }
  if (!args.ok() || p.m == 0 || p.n == 0) return info.Env().Undefined();
  if (p.k == 0) {
    for (int64_t i = 0; i < p.m; i++)
      for (int64_t j = 0; j < p.n; j++) out.data[outOff + i * p.n + j] = p.bias ? p.bias[j] : 0.0f;
    return info.Env().Undefined();
  }
  p.a = a.data + aOff;
  p.w = reinterpret_cast<const uint8_t*>(w.data + wOff);
  p.out = out.data + outOff;
  p.scaleA = scaleA.data;
  p.scaleW = scaleW.data;
  GemmPacked(p);
  return info.Env().Undefined();
}

template <typename Out>
Napi::Value QuantizeRows(const Napi::CallbackInfo& info, const char* name) {
  Args args(info, name);
  const int64_t rows = args.Int(0, "rows");
  const int64_t cols = args.Int(1, "cols");
  const ArrayArg<float> x = args.Array<float>(2, "x");
  const int64_t xOff = args.Int(3, "xOffset");
  const ArrayArg<Out> out = args.Array<Out>(4, "out");
  const int64_t outOff = args.Int(5, "outOffset");
  const ArrayArg<float> scales = args.Array<float>(6, "scales");
  const int64_t scalesOff = args.Int(7, "scalesOffset");
  args.Need(x, "x", xOff, rows * cols);
  args.Need(out, "out", outOff, rows * cols);
  args.Need(scales, "scales", scalesOff, rows);
  if (!args.ok() || rows == 0) return info.Env().Undefined();
  const float* xs = x.data + xOff;
  Out* qs = out.data + outOff;
  float* ss = scales.data + scalesOff;
  const auto kernel = [] {
    if constexpr (std::is_same_v<Out, uint8_t>) return SelectQuantizeRowU8();
    else return SelectQuantizeRowI8();
  }();
  const int threads = rows * cols < (1 << 16) ? 1 : NumThreads();
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t r0 = 0, r1 = 0;
    StaticPartition(rows, nt, tid, 1, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) ss[r] = kernel(xs + r * cols, cols, qs + r * cols);
  });
  return info.Env().Undefined();
}

Napi::Value QuantizeRowsI8Js(const Napi::CallbackInfo& info) { return QuantizeRows<int8_t>(info, "quantizeRowsI8"); }

Napi::Value QuantizeRowsU8Js(const Napi::CallbackInfo& info) { return QuantizeRows<uint8_t>(info, "quantizeRowsU8"); }

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmPacked", Napi::Function::New(env, GemmPackedJs, "gemmPacked"));
  exports.Set("quantizeRowsI8", Napi::Function::New(env, QuantizeRowsI8Js, "quantizeRowsI8"));
  exports.Set("quantizeRowsU8", Napi::Function::New(env, QuantizeRowsU8Js, "quantizeRowsU8"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(quant, frugal::Init)
