// Int8 GEMM for quantized linear layers: A [m, k] int8 activations (row-major), B [n, k] int8
// weights (row-major, the nn.Linear layout), exact int32 accumulation. Operands are widened to
// int16 k-pairs while packing, so the multiply-add (vpmaddwd / vpdpwssd) can never saturate for
// any int8 input, -128 included. Output: int32, or f32 through a scale epilogue
//   out[i, j] = sum over k-blocks g of float(acc_g[i, j]) * scaleA[i] * scaleB[j, g] (+ bias[j]),
// where the blocks are the quantization groups (groupSize) or, without groups, 512-wide k blocks
// sharing scaleB[j] (each block's partial sum is exact in int32; blocks are summed in f32).
// JS: gemmI8(m, n, k, a, aOff, b, bOff, out, outOff, scaleA|null, scaleB|null, bias|null, groupSize)
//
// The u8 x s8 path (frugal/gemm-kernels.h) for weights whose codes all satisfy |w| <= 64 (7-bit):
//   gemmU8S8PackedSize(n, k) -> bytes of the packed weight (n and k padded to 16 and 4)
//   packWeightsU8S8(n, k, w, wOff, packed, comp): once per layer; comp Int32Array [n padded to 16]
//   gemmU8S8(m, n, k, a, aOff, packed, comp, out, outOff, scaleA, scaleB, bias|null, activation)
//     a Uint8Array [m, k] = int8 activation codes + 128; out f32 [m, n] =
//     act(float(sum_k (a - 128) * w) * scaleA[i] * scaleB[j] (+ bias[j])), one weight scale per
//     row; activation "none" | "gelu_erf" | "gelu_tanh" | "relu" | "silu" runs on each tile in
//     registers (AVX2: GELU-erf the f32 GEMM epilogue's rational erf, |err| <= 2e-7 max(|x|, 1),
//     the others the elementwise kernels' functions) or, portable, on the stored tile in L1.
//   gemmU8S8Quant(m, n, k, a, aOff, packed, comp, codes, codesOff, scales, scaleA, scaleB, bias|null,
//                 activation): the same output, quantized token-wise for the next u8 x s8 layer
//     (codes Uint8Array [m, n] and scales Float32Array [m], exactly quantizeRowsU8 of gemmU8S8's
//     output) without the f32 output leaving the cache: blocks of rows are computed into a
//     per-thread buffer and quantized there.
#include <algorithm>
#include <string>

#include "frugal/aligned-buffer.h"
#include "frugal/cpu.h"
#include "frugal/elementwise-kernels.h"
#include "frugal/gemm-kernels.h"
#include "frugal/napi-args.h"
#include "frugal/quant-kernels.h"
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


// ---- u8 x s8 (prepacked weights) ----

constexpr int kU8S8MaxMr = 8;

int64_t PadTo(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

void MicroU8S8Scalar(int64_t k, const uint8_t* const* rows, const int8_t* bp, const U8S8Tile& t, int m, int n) {
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      int32_t acc = 0;
      for (int64_t p = 0; p < k; p++) acc += rows[i][p] * bp[(p / 4) * 4 * kU8S8Nr + j * 4 + p % 4];
      const float v = static_cast<float>(acc - t.comp[j]) * t.scaleA[i] * t.scaleB[j];
      t.out[i * t.ldo + j] = t.bias ? v + t.bias[j] : v;
    }
  }
}

struct U8S8Problem {
  int64_t m, n, k;
  const uint8_t* a;
  const int8_t* packed;
  const int32_t* comp;
  float* out;
  const float* scaleA;
  const float* scaleB;
  const float* bias;
  int activation;  // a UnaryOpCode, or -1
};

// The micro-kernel for one call; fusedActivation: it applies the activation itself (in registers).
struct U8S8Choice {
  int mr;
  GemmU8S8Micro micro;
  bool fusedActivation;
};

bool HasVnni() {
#ifdef FRUGAL_X86
  return ActiveIsa() >= kIsaAvx512 && Cpu().avx512vnni;
#else
  return false;
#endif
}

U8S8Choice ChooseU8S8(int activation) {
  const GemmU8S8Kernel kr = SelectGemmU8S8();
#ifdef FRUGAL_X86
  if (HasVnni()) {
    if (const GemmU8S8Micro fused = avx512::GemmU8S8MicroAct(activation)) return {kr.mr, fused, true};
  } else if (ActiveIsa() >= kIsaAvx2) {
    if (const GemmU8S8Micro fused = avx2::GemmU8S8MicroAct(activation)) return {kr.mr, fused, true};
  }
#endif
  return {kr.mr, kr.micro, activation < 0};
}

// Column panels [p0, p1) of 16, all rows. Column blocks keep ~128 KiB of packed weights hot in L2
// while every row panel of A streams past them.
void U8S8Region(const U8S8Choice& kr, const U8S8Problem& p, int64_t i0, int64_t i1, int64_t p0, int64_t p1) {
  const int64_t kPad = PadTo(p.k, 4), panelBytes = kPad * kU8S8Nr;
  const int64_t blockPanels = std::max<int64_t>(1, (128 << 10) / std::max<int64_t>(panelBytes, 1));
  alignas(32) float sb[kU8S8Nr], bias[kU8S8Nr];
  const uint8_t* rows[kU8S8MaxMr];
  const ElementwiseTable ew = SelectElementwise();
  for (int64_t pb = p0; pb < p1; pb += blockPanels) {
    const int64_t pe = std::min(p1, pb + blockPanels);
    for (int64_t i = i0; i < i1; i += kr.mr) {
      const int m = static_cast<int>(std::min<int64_t>(kr.mr, i1 - i));
      for (int r = 0; r < kr.mr; r++) rows[r] = p.a + (i + (r < m ? r : 0)) * p.k;
      for (int64_t panel = pb; panel < pe; panel++) {
        const int64_t j0 = panel * kU8S8Nr;
        const int n = static_cast<int>(std::min<int64_t>(kU8S8Nr, p.n - j0));
        U8S8Tile t{p.comp + j0, p.scaleA + i, p.scaleB + j0, p.bias ? p.bias + j0 : nullptr, p.out + i * p.n + j0,
                   p.n};
        if (n < kU8S8Nr) {
          // The last panel: the epilogue reads whole panels of scales and bias.
          for (int j = 0; j < kU8S8Nr; j++) {
            sb[j] = j < n ? p.scaleB[j0 + j] : 0.0f;
            bias[j] = j < n && p.bias ? p.bias[j0 + j] : 0.0f;
          }
          t.scaleB = sb;
          t.bias = p.bias ? bias : nullptr;
        }
        kr.micro(p.k, rows, p.packed + panel * panelBytes, t, m, n);
        if (p.activation >= 0 && !kr.fusedActivation)
          for (int r = 0; r < m; r++) ew.unary(p.activation, t.out + r * p.n, t.out + r * p.n, n);
      }
    }
  }
}

void GemmU8S8(const U8S8Problem& p) {
  const U8S8Choice kr = ChooseU8S8(p.activation);
  int threads = NumThreads();
  if (2.0 * p.m * p.n * p.k < 2e6) threads = 1;
  const int64_t panels = PadTo(p.n, kU8S8Nr) / kU8S8Nr, rowTiles = (p.m + kr.mr - 1) / kr.mr;
  const bool splitN = panels >= 2 * threads || panels >= rowTiles;
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t i0 = 0, i1 = p.m, q0 = 0, q1 = panels;
    if (splitN) StaticPartition(panels, nt, tid, 1, &q0, &q1);
    else StaticPartition(p.m, nt, tid, kr.mr, &i0, &i1);
    if (i0 < i1 && q0 < q1) U8S8Region(kr, p, i0, i1, q0, q1);
  });
}

// Rows per block of the quantizing GEMM: the block's f32 output (~256 KiB) stays in L2 between
// the GEMM and the quantization.
int64_t QuantBlockRows(const U8S8Problem& p, int mr) {
  const int64_t rows = (256 << 10) / (4 * std::max<int64_t>(p.n, 1)) / mr * mr;
  return std::min(std::max<int64_t>(rows, mr), PadTo(p.m, mr));
}

void GemmU8S8Quant(const U8S8Problem& p, uint8_t* codes, float* scales) {
  const U8S8Choice kr = ChooseU8S8(p.activation);
  const QuantizeRowU8 quantize = SelectQuantizeRowU8();
  const int64_t blockRows = QuantBlockRows(p, kr.mr), blocks = (p.m + blockRows - 1) / blockRows;
  const int64_t panels = PadTo(p.n, kU8S8Nr) / kU8S8Nr;
  const int threads = 2.0 * p.m * p.n * p.k < 2e6 ? 1 : NumThreads();
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t b0 = 0, b1 = 0;
    StaticPartition(blocks, nt, tid, 1, &b0, &b1);
    thread_local AlignedBuffer<float> scratch;
    float* buf = scratch.Get(static_cast<size_t>(blockRows * p.n));
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t i0 = blk * blockRows, rows = std::min(blockRows, p.m - i0);
      U8S8Problem q = p;
      q.m = rows;
      q.a = p.a + i0 * p.k;
      q.scaleA = p.scaleA + i0;
      q.out = buf;
      U8S8Region(kr, q, 0, rows, 0, panels);
      for (int64_t r = 0; r < rows; r++) scales[i0 + r] = quantize(buf + r * p.n, p.n, codes + (i0 + r) * p.n);
    }
  });
}

const char* const kActivationNames[] = {"none", "gelu_erf", "gelu_tanh", "relu", "silu"};
const int kActivationCodes[] = {-1, kGeluErf, kGeluTanh, kRelu, kSilu};

Napi::Value GemmU8S8PackedSizeJs(const Napi::CallbackInfo& info) {
  Args args(info, "gemmU8S8PackedSize");
  const int64_t n = args.Int(0, "n"), k = args.Int(1, "k");
  if (!args.ok()) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(PadTo(n, kU8S8Nr) * PadTo(k, 4)));
}

Napi::Value PackWeightsU8S8Js(const Napi::CallbackInfo& info) {
  Args args(info, "packWeightsU8S8");
  const int64_t n = args.Int(0, "n"), k = args.Int(1, "k");
  const ArrayArg<int8_t> w = args.Array<int8_t>(2, "w");
  const int64_t wOff = args.Int(3, "wOffset");
  const ArrayArg<int8_t> packed = args.Array<int8_t>(4, "packed");
  const ArrayArg<int32_t> comp = args.Array<int32_t>(5, "comp");
  const int64_t nPad = PadTo(n, kU8S8Nr), kPad = PadTo(k, 4);
  args.Need(w, "w", wOff, n * k);
  args.Need(packed, "packed", 0, nPad * kPad);
  args.Need(comp, "comp", 0, nPad);
  if (!args.ok()) return info.Env().Undefined();
  const int8_t* src = w.data + wOff;
  for (int64_t j = 0; j < n * k; j++) {
    if (src[j] < -64 || src[j] > 64) {
      args.Fail("weight code " + std::to_string(src[j]) + " at row " + std::to_string(j / k) +
                " is outside [-64, 64]; the u8 x s8 kernel needs 7-bit weight codes (use gemmI8 otherwise)");
      return info.Env().Undefined();
    }
  }
  int8_t* dst = packed.data;
  for (int64_t panel = 0; panel < nPad / kU8S8Nr; panel++) {
    int8_t* out = dst + panel * kPad * kU8S8Nr;
    for (int c = 0; c < kU8S8Nr; c++) {
      const int64_t j = panel * kU8S8Nr + c;
      int32_t sum = 0;
      for (int64_t p = 0; p < kPad; p++) {
        const int8_t v = j < n && p < k ? src[j * k + p] : 0;
        out[(p / 4) * 4 * kU8S8Nr + c * 4 + p % 4] = v;
        sum += v;
      }
      comp.data[j] = 128 * sum;
    }
  }
  return info.Env().Undefined();
}

// Reads the operands both JS entries share (m, n, k, a, aOffset, packed, comp at 0-6; scaleA, scaleB,
// bias, activation at first, first + 1, ...) into p; the output arguments are the caller's.
void ReadU8S8Problem(Args& args, const Napi::CallbackInfo& info, size_t first, U8S8Problem* p) {
  p->m = args.Int(0, "m");
  p->n = args.Int(1, "n");
  p->k = args.Int(2, "k");
  const ArrayArg<uint8_t> a = args.Array<uint8_t>(3, "a");
  const int64_t aOff = args.Int(4, "aOffset");
  const ArrayArg<int8_t> packed = args.Array<int8_t>(5, "packed");
  const ArrayArg<int32_t> comp = args.Array<int32_t>(6, "comp");
  const int64_t nPad = PadTo(p->n, kU8S8Nr);
  args.Need(a, "a", aOff, p->m * p->k);
  args.Need(packed, "packed", 0, nPad * PadTo(p->k, 4));
  args.Need(comp, "comp", 0, nPad);
  p->scaleA = OptionalF32(args, first, "scaleA", p->m);
  p->scaleB = OptionalF32(args, first + 1, "scaleB", p->n);
  p->bias = OptionalF32(args, first + 2, "bias", p->n);
  if (args.ok() && (!p->scaleA || !p->scaleB)) args.Fail("scaleA and scaleB are required");
  p->activation = -2;
  const size_t actIdx = first + 3;
  const std::string act = info.Length() > actIdx && info[actIdx].IsString() ? info[actIdx].As<Napi::String>().Utf8Value() : "";
  for (size_t i = 0; i < sizeof(kActivationNames) / sizeof(kActivationNames[0]); i++)
    if (act == kActivationNames[i]) p->activation = kActivationCodes[i];
  if (args.ok() && p->activation == -2)
    args.Fail("argument 'activation' must be one of: none, gelu_erf, gelu_tanh, relu, silu");
  if (args.ok() && p->k > kMaxExactK) args.Fail("k must be <= 131072 (the int32 sum could overflow)");
  if (!args.ok()) return;
  p->a = a.data + aOff;
  p->packed = packed.data;
  p->comp = comp.data;
}

Napi::Value GemmU8S8Js(const Napi::CallbackInfo& info) {
  Args args(info, "gemmU8S8");
  U8S8Problem p{};
  ReadU8S8Problem(args, info, 9, &p);
  const ArrayArg<float> out = args.Array<float>(7, "out");
  const int64_t outOff = args.Int(8, "outOffset");
  args.Need(out, "out", outOff, p.m * p.n);
  if (!args.ok() || p.m == 0 || p.n == 0) return info.Env().Undefined();
  p.out = out.data + outOff;
  GemmU8S8(p);
  return info.Env().Undefined();
}

Napi::Value GemmU8S8QuantJs(const Napi::CallbackInfo& info) {
  Args args(info, "gemmU8S8Quant");
  U8S8Problem p{};
  ReadU8S8Problem(args, info, 10, &p);
  const ArrayArg<uint8_t> codes = args.Array<uint8_t>(7, "codes");
  const int64_t codesOff = args.Int(8, "codesOffset");
  const ArrayArg<float> scales = args.Array<float>(9, "scales");
  args.Need(codes, "codes", codesOff, p.m * p.n);
  args.Need(scales, "scales", 0, p.m);
  if (!args.ok() || p.m == 0 || p.n == 0) return info.Env().Undefined();
  GemmU8S8Quant(p, codes.data + codesOff, scales.data);
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmI8", Napi::Function::New(env, GemmI8Js, "gemmI8"));
  exports.Set("gemmU8S8PackedSize", Napi::Function::New(env, GemmU8S8PackedSizeJs, "gemmU8S8PackedSize"));
  exports.Set("packWeightsU8S8", Napi::Function::New(env, PackWeightsU8S8Js, "packWeightsU8S8"));
  exports.Set("gemmU8S8", Napi::Function::New(env, GemmU8S8Js, "gemmU8S8"));
  exports.Set("gemmU8S8Quant", Napi::Function::New(env, GemmU8S8QuantJs, "gemmU8S8Quant"));
}

}  // namespace

GemmI8Kernel GemmI8KernelScalar() { return {kScalarMr, kScalarNr, 64, 512, 1024, MicroScalar}; }

GemmU8S8Kernel GemmU8S8KernelScalar() { return {4, MicroU8S8Scalar}; }

// AVX-512 without VNNI runs the AVX2 kernel. The weights stay 7-bit on VNNI too (which would not
// saturate on full-range codes), so one packed weight runs on every ISA with the same result.
GemmU8S8Kernel SelectGemmU8S8() {
#ifdef FRUGAL_X86
  if (HasVnni()) return avx512::GemmU8S8Kernel();
  if (ActiveIsa() >= kIsaAvx2) return avx2::GemmU8S8Kernel();
#endif
  return GemmU8S8KernelScalar();
}

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
