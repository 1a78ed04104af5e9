// Int8 GEMM for quantized linear layers: A [m, k] int8 activations (row-major), B [n, k] int8
// weights (row-major, the nn.Linear layout), exact int32 accumulation. Operands are widened to
// int16 k-pairs while packing, so the multiply-add (vpmaddwd / vpdpwssd) can never saturate for
// any int8 input, -128 included. Output: int32, or f32 through a scale epilogue
//   out[i, j] = sum over k-blocks g of float(acc_g[i, j]) * scaleA[i] * scaleB[j, g] (+ bias[j]),
// where the blocks are the quantization groups (groupSize) or, without groups, 512-wide k blocks
// sharing scaleB[j] (each block's partial sum is exact in int32; blocks are summed in f32).
// JS: gemmI8(m, n, k, a, aOff, b, bOff, out, outOff, scaleA|null, scaleB|null, bias|null, groupSize)
#include <algorithm>
#include <string>

#include "frugal/aligned-buffer.h"
#include "frugal/cpu.h"
#include "frugal/gemm-kernels.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal {
namespace {

constexpr int kScalarMr = 4, kScalarNr = 8;
constexpr int kMaxTile = 16 * 64;
// int8 x int8 products reach 2^14, so an int32 sum is exact up to 2^17 terms.
constexpr int64_t kMaxExactK = 131072;

void MicroScalar(int64_t kpairs, const int16_t* ap, const int16_t* bp, int32_t* c, int64_t ldc, bool accumulate, int m,
                 int n) {
  int32_t acc[kScalarMr][kScalarNr] = {};
  for (int64_t q = 0; q < kpairs; q++) {
    const int16_t* a = ap + q * kScalarMr * 2;
    const int16_t* b = bp + q * kScalarNr * 2;
    for (int i = 0; i < kScalarMr; i++)
      for (int j = 0; j < kScalarNr; j++) acc[i][j] += a[2 * i] * b[2 * j] + a[2 * i + 1] * b[2 * j + 1];
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

// Packs `count` rows (of length-k int8 data, row stride k) starting at row r0, k values
// [p0, p0 + kc), into panels of `width` rows: per k-pair, width pairs of int16, zero-padded.
void PackPairs(const int8_t* src, int64_t k, int64_t r0, int64_t count, int64_t p0, int64_t kc, int width,
               int16_t* out) {
  const int64_t kpairs = (kc + 1) / 2;
  for (int64_t pr = 0; pr < count; pr += width) {
    int16_t* panel = out + pr * kpairs * 2;
    for (int r = 0; r < width; r++) {
      if (pr + r >= count) {
        for (int64_t q = 0; q < kpairs; q++) panel[(q * width + r) * 2] = panel[(q * width + r) * 2 + 1] = 0;
        continue;
      }
      const int8_t* row = src + (r0 + pr + r) * k + p0;
      for (int64_t q = 0; q < kpairs; q++) {
        panel[(q * width + r) * 2] = row[2 * q];
        panel[(q * width + r) * 2 + 1] = 2 * q + 1 < kc ? row[2 * q + 1] : 0;
      }
    }
  }
}

struct I8Problem {
  int64_t m, n, k;
  const int8_t* a;
  const int8_t* b;
  int32_t* outI32;  // exactly one of outI32 / outF32 is set
  float* outF32;
  const float* scaleA;
  const float* scaleB;
  const float* bias;
  int64_t groupSize;  // 0: no groups
};

thread_local AlignedBuffer<int16_t> t_pack_a, t_pack_b;

void F32Epilogue(const I8Problem& p, const int32_t* tile, int64_t i0, int64_t j0, int m, int n, int64_t block,
                 bool first) {
  const int64_t groups = p.groupSize > 0 ? p.k / p.groupSize : 0;
  for (int i = 0; i < m; i++) {
    const float sa = p.scaleA ? p.scaleA[i0 + i] : 1.0f;
    float* out = p.outF32 + (i0 + i) * p.n + j0;
    for (int j = 0; j < n; j++) {
      const float sb = p.scaleB ? p.scaleB[groups > 0 ? (j0 + j) * groups + block : j0 + j] : 1.0f;
      const float v = static_cast<float>(tile[i * n + j]) * sa * sb;
      out[j] = first ? v + (p.bias ? p.bias[j0 + j] : 0.0f) : out[j] + v;
    }
  }
}

void I8Region(const GemmI8Kernel& kr, const I8Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int64_t kcBlock = p.groupSize > 0 ? p.groupSize : std::min<int64_t>(kr.kc, std::max<int64_t>(p.k, 1));
  const int64_t kpMax = (kcBlock + 1) / 2;
  const int64_t ncMax = std::min<int64_t>(kr.nc, ((n1 - n0 + kr.nr - 1) / kr.nr) * kr.nr);
  const int64_t mcMax = std::min<int64_t>(kr.mc, ((m1 - m0 + kr.mr - 1) / kr.mr) * kr.mr);
  int16_t* bp = t_pack_b.Get(static_cast<size_t>(kpMax * 2 * ncMax));
  int16_t* ap = t_pack_a.Get(static_cast<size_t>(kpMax * 2 * mcMax));
  int32_t tile[kMaxTile];
  for (int64_t jc = n0; jc < n1; jc += kr.nc) {
    const int64_t nc = std::min<int64_t>(kr.nc, n1 - jc);
    int64_t block = 0;
    // k == 0 still runs one empty block so that outputs are written (zeros, plus bias).
    for (int64_t pc = 0; pc < p.k || (p.k == 0 && pc == 0); pc += kcBlock, block++) {
      const int64_t kc = std::min<int64_t>(kcBlock, p.k - pc);
      const int64_t kpairs = (kc + 1) / 2;
      PackPairs(p.b, p.k, jc, nc, pc, kc, kr.nr, bp);
      for (int64_t ic = m0; ic < m1; ic += kr.mc) {
        const int64_t mc = std::min<int64_t>(kr.mc, m1 - ic);
        PackPairs(p.a, p.k, ic, mc, pc, kc, kr.mr, ap);
        for (int64_t jr = 0; jr < nc; jr += kr.nr) {
          const int n = static_cast<int>(std::min<int64_t>(kr.nr, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kr.mr) {
            const int m = static_cast<int>(std::min<int64_t>(kr.mr, mc - ir));
            const int16_t* a = ap + ir * kpairs * 2;
            const int16_t* b = bp + jr * kpairs * 2;
            if (p.outI32) {
              kr.micro(kpairs, a, b, p.outI32 + (ic + ir) * p.n + jc + jr, p.n, pc > 0, m, n);
            } else {
              kr.micro(kpairs, a, b, tile, n, false, m, n);
              F32Epilogue(p, tile, ic + ir, jc + jr, m, n, block, pc == 0);
            }
          }
        }
      }
    }
  }
}

void GemmI8(const I8Problem& p) {
  const GemmI8Kernel kr = SelectGemmI8();
  int threads = NumThreads();
  if (2.0 * p.m * p.n * p.k < 2e6) threads = 1;
  const int64_t tilesM = (p.m + kr.mr - 1) / kr.mr, tilesN = (p.n + kr.nr - 1) / kr.nr;
  const bool splitN = tilesN >= 2 * threads || tilesN >= tilesM;
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t m0 = 0, m1 = p.m, n0 = 0, n1 = p.n;
    if (splitN) StaticPartition(p.n, nt, tid, kr.nr, &n0, &n1);
    else StaticPartition(p.m, nt, tid, kr.mr, &m0, &m1);
    I8Region(kr, p, m0, m1, n0, n1);
  });
}

const float* OptionalF32(Args& args, size_t idx, const char* name, int64_t count) {
  if (args.IsNullish(idx)) return nullptr;
  const ArrayArg<float> v = args.Array<float>(idx, name);
  if (args.ok() && v.length != count)
    args.Fail(std::string("argument '") + name + "' must have " + std::to_string(count) + " entries, got " +
              std::to_string(v.length));
  return args.ok() ? v.data : nullptr;
}

Napi::Value GemmI8Js(const Napi::CallbackInfo& info) {
  Args args(info, "gemmI8");
  I8Problem p{};
  p.m = args.Int(0, "m");
  p.n = args.Int(1, "n");
  p.k = args.Int(2, "k");
  const ArrayArg<int8_t> a = args.Array<int8_t>(3, "a");
  const int64_t aOff = args.Int(4, "aOffset");
  const ArrayArg<int8_t> b = args.Array<int8_t>(5, "b");
  const int64_t bOff = args.Int(6, "bOffset");
  const int64_t outOff = args.Int(8, "outOffset");
  p.groupSize = args.Int(12, "groupSize");
  args.Need(a, "a", aOff, p.m * p.k);
  args.Need(b, "b", bOff, p.n * p.k);
  if (!args.ok()) return info.Env().Undefined();
  const bool intOut = info[7].IsTypedArray() && info[7].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array;
  if (intOut) {
    const ArrayArg<int32_t> out = args.Array<int32_t>(7, "out");
    args.Need(out, "out", outOff, p.m * p.n);
    if (!args.IsNullish(9) || !args.IsNullish(10) || !args.IsNullish(11) || p.groupSize != 0)
      args.Fail("scales, bias and groupSize apply only to a Float32Array 'out'; pass null and 0 for Int32Array output");
    if (p.k > kMaxExactK) args.Fail("k must be <= 131072 for Int32Array output (the int32 sum could overflow)");
    p.outI32 = out.data + outOff;
  } else {
    const ArrayArg<float> out = args.Array<float>(7, "out");
    args.Need(out, "out", outOff, p.m * p.n);
    if (args.ok() && p.groupSize > 0 && p.k % p.groupSize != 0)
      args.Fail("groupSize (" + std::to_string(p.groupSize) + ") must divide k (" + std::to_string(p.k) + ")");
    if (args.ok() && p.groupSize > kMaxExactK) args.Fail("groupSize must be <= 131072");
    const int64_t groups = p.groupSize > 0 ? p.k / p.groupSize : 1;
    p.scaleA = OptionalF32(args, 9, "scaleA", p.m);
    p.scaleB = OptionalF32(args, 10, "scaleB", p.n * groups);
    p.bias = OptionalF32(args, 11, "bias", p.n);
    if (args.ok()) p.outF32 = out.data + outOff;
  }
  if (!args.ok() || p.m == 0 || p.n == 0) return info.Env().Undefined();
  p.a = a.data + aOff;
  p.b = b.data + bOff;
  GemmI8(p);
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) { exports.Set("gemmI8", Napi::Function::New(env, GemmI8Js, "gemmI8")); }

}  // namespace

GemmI8Kernel GemmI8KernelScalar() { return {kScalarMr, kScalarNr, 64, 512, 1024, MicroScalar}; }

GemmI8Kernel SelectGemmI8() {
#ifdef FRUGAL_X86
  switch (ActiveIsa()) {
    case kIsaAvx512: return avx512::GemmI8Kernel();
    case kIsaAvx2: return avx2::GemmI8Kernel();
    default: break;
  }
#endif
  return GemmI8KernelScalar();
}

}  // namespace frugal

FRUGAL_MODULE(gemm_i8, frugal::Init)
