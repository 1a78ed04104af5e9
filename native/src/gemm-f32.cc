// Batched f32 / bf16-input GEMM, BLIS-style: B is packed in kc x nc blocks, A in mc x kc blocks,
// and a register-blocked microkernel (per ISA) computes mr x nr tiles. Threads own disjoint
// output regions (whole batches, or column/row ranges), so each C element is computed by one
// thread in a fixed k order: results do not depend on the thread count at all.
// JS: gemmF32(m, n, k, batch, a, aOff, lda, transA, strideA, b, bOff, ldb, transB, strideB,
//             c, cOff, ldc, strideC, alpha, beta); gemmBf16 takes Uint16Array a and b.
// Inference weights: gemmF32PackB(n, k, b, bOff, ldb, transB) packs op(B) once into the blocks the
// active kernel reads; linearF32Packed(m, n, k, x, xOff, lda, packed, bias, activation, c, cOff,
// ldc) multiplies by it and applies bias + activation to each tile while it is still in L1.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "frugal/aligned-buffer.h"
#include "frugal/cpu.h"
#include "frugal/elementwise-kernels.h"
#include "frugal/gemm-kernels.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal {
namespace {

constexpr int kScalarMr = 4, kScalarNr = 8;

void MicroScalar(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta, int m,
                 int n) {
  float acc[kScalarMr][kScalarNr] = {};
  for (int64_t p = 0; p < kc; p++) {
    const float* a = ap + p * kScalarMr;
    const float* b = bp + p * kScalarNr;
    for (int i = 0; i < kScalarMr; i++)
      for (int j = 0; j < kScalarNr; j++) acc[i][j] += a[i] * b[j];
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float& out = c[i * ldc + j];
      out = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * out;
    }
}

inline float Bf16ToF32(uint16_t v) {
  const uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline float ToF32(float v) { return v; }
inline float ToF32(uint16_t v) { return Bf16ToF32(v); }

template <typename T>
struct Operand {
  const T* data;
  int64_t ld;
  bool trans;
};

// Packs rows [i0, i0+mc) x k [p0, p0+kc) of op(A) into mr-row micro-panels.
template <typename T>
void PackA(const Operand<T>& A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr, float* out) {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - ir));
    float* panel = out + ir * kc;
    for (int r = 0; r < mr; r++) {
      if (r >= rows) {
        for (int64_t p = 0; p < kc; p++) panel[p * mr + r] = 0.0f;
        continue;
      }
      const int64_t i = i0 + ir + r;
      if (!A.trans) {
        const T* src = A.data + i * A.ld + p0;
        for (int64_t p = 0; p < kc; p++) panel[p * mr + r] = ToF32(src[p]);
      } else {
        const T* src = A.data + p0 * A.ld + i;
        for (int64_t p = 0; p < kc; p++) panel[p * mr + r] = ToF32(src[p * A.ld]);
      }
    }
  }
}

// Packs k [p0, p0+kc) x columns [j0, j0+nc) of op(B) into nr-column micro-panels.
template <typename T>
void PackB(const Operand<T>& B, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, float* out) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
    float* panel = out + jr * kc;
    if (!B.trans) {
      for (int64_t p = 0; p < kc; p++) {
        const T* src = B.data + (p0 + p) * B.ld + j0 + jr;
        float* dst = panel + p * nr;
        int j = 0;
        for (; j < cols; j++) dst[j] = ToF32(src[j]);
        for (; j < nr; j++) dst[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < nr; j++) {
        if (j >= cols) {
          for (int64_t p = 0; p < kc; p++) panel[p * nr + j] = 0.0f;
          continue;
        }
        const T* src = B.data + (j0 + jr + j) * B.ld + p0;
        for (int64_t p = 0; p < kc; p++) panel[p * nr + j] = ToF32(src[p]);
      }
    }
  }
}

void ScaleC(float* c, int64_t ldc, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float beta) {
  for (int64_t i = m0; i < m1; i++) {
    float* row = c + i * ldc;
    for (int64_t j = n0; j < n1; j++) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
  }
}

// f32 operands go to the ISA's vectorized packers when it has them.
template <typename T>
void PackBlockA(const GemmF32Kernel& kr, const Operand<T>& A, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
                float* out) {
  if constexpr (std::is_same_v<T, float>) {
    if (kr.packA != nullptr) {
      const float* a = A.trans ? A.data + p0 * A.ld + i0 : A.data + i0 * A.ld + p0;
      return kr.packA(a, A.ld, A.trans, mc, kc, out);
    }
  }
  PackA(A, i0, mc, p0, kc, kr.mr, out);
}

template <typename T>
void PackBlockB(const GemmF32Kernel& kr, const Operand<T>& B, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                float* out) {
  if constexpr (std::is_same_v<T, float>) {
    if (kr.packB != nullptr) {
      const float* b = B.trans ? B.data + j0 * B.ld + p0 : B.data + p0 * B.ld + j0;
      return kr.packB(b, B.ld, B.trans, kc, nc, out);
    }
  }
  PackB(B, p0, kc, j0, nc, kr.nr, out);
}

thread_local AlignedBuffer<float> t_pack_a, t_pack_b;

// One thread's share: C[m0:m1, n0:n1] of one batch item.
template <typename T>
void GemmRegion(const GemmF32Kernel& kr, const Operand<T>& A, const Operand<T>& B, float* c, int64_t ldc, int64_t k,
                float alpha, float beta, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (k == 0 || alpha == 0.0f) return ScaleC(c, ldc, m0, m1, n0, n1, beta);
  const int64_t kcMax = std::min<int64_t>(kr.kc, k);
  const int64_t ncMax = std::min<int64_t>(kr.nc, ((n1 - n0 + kr.nr - 1) / kr.nr) * kr.nr);
  const int64_t mcMax = std::min<int64_t>(kr.mc, ((m1 - m0 + kr.mr - 1) / kr.mr) * kr.mr);
  float* bp = t_pack_b.Get(static_cast<size_t>(kcMax * ncMax));
  float* ap = t_pack_a.Get(static_cast<size_t>(kcMax * mcMax));
  for (int64_t jc = n0; jc < n1; jc += kr.nc) {
    const int64_t nc = std::min<int64_t>(kr.nc, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += kr.kc) {
      const int64_t kc = std::min<int64_t>(kr.kc, k - pc);
      const float betaEff = pc == 0 ? beta : 1.0f;
      PackBlockB(kr, B, pc, kc, jc, nc, bp);
      for (int64_t ic = m0; ic < m1; ic += kr.mc) {
        const int64_t mc = std::min<int64_t>(kr.mc, m1 - ic);
        PackBlockA(kr, A, ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += kr.nr) {
          const int n = static_cast<int>(std::min<int64_t>(kr.nr, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kr.mr) {
            const int m = static_cast<int>(std::min<int64_t>(kr.mr, mc - ir));
            kr.micro(kc, ap + ir * kc, bp + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc, alpha, betaEff, m, n);
          }
        }
      }
    }
  }
}

struct GemmShape {
  int64_t m, n, k, batch;
  int64_t strideA, strideB, strideC, ldc;
  float alpha, beta;
};

template <typename T>
void GemmBatched(const GemmShape& s, Operand<T> A, Operand<T> B, float* c) {
  const GemmF32Kernel kr = SelectGemmF32();
  const double flops = 2.0 * s.m * s.n * s.k * s.batch;
  int threads = NumThreads();
  // Below ~2 MFLOP a thread wake-up costs more than it saves.
  if (flops < 2e6) threads = 1;
  const int64_t tilesM = (s.m + kr.mr - 1) / kr.mr, tilesN = (s.n + kr.nr - 1) / kr.nr;
  const bool splitBatch = s.batch >= threads && (s.batch % threads == 0 || s.batch >= 4 * threads);
  const bool splitN = tilesN >= 2 * threads || tilesN >= tilesM;
  ParallelRun(threads, [&](int tid, int nt) {
    for (int64_t bi = 0; bi < s.batch; bi++) {
      int64_t m0 = 0, m1 = s.m, n0 = 0, n1 = s.n;
      if (splitBatch) {
        int64_t b0, b1;
        StaticPartition(s.batch, nt, tid, 1, &b0, &b1);
        if (bi < b0 || bi >= b1) continue;
      } else if (splitN) {
        StaticPartition(s.n, nt, tid, kr.nr, &n0, &n1);
      } else {
        StaticPartition(s.m, nt, tid, kr.mr, &m0, &m1);
      }
      const Operand<T> Ab{A.data + bi * s.strideA, A.ld, A.trans};
      const Operand<T> Bb{B.data + bi * s.strideB, B.ld, B.trans};
      GemmRegion(kr, Ab, Bb, c + bi * s.strideC, s.ldc, s.k, s.alpha, s.beta, m0, m1, n0, n1);
    }
  });
}

// Elements spanned by `batch` items of a rows x cols matrix with leading dimension ld.
int64_t Extent(int64_t batch, int64_t stride, int64_t rows, int64_t cols, int64_t ld) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

template <typename T>
Napi::Value GemmJs(const Napi::CallbackInfo& info, const char* op) {
  Args args(info, op);
  GemmShape s{};
  s.m = args.Int(0, "m");
  s.n = args.Int(1, "n");
  s.k = args.Int(2, "k");
  s.batch = args.Int(3, "batch");
  const ArrayArg<T> a = args.Array<T>(4, "a");
  const int64_t aOff = args.Int(5, "aOffset");
  const int64_t lda = args.Int(6, "lda");
  const bool transA = args.Bool(7, "transA");
  s.strideA = args.Int(8, "strideA");
  const ArrayArg<T> b = args.Array<T>(9, "b");
  const int64_t bOff = args.Int(10, "bOffset");
  const int64_t ldb = args.Int(11, "ldb");
  const bool transB = args.Bool(12, "transB");
  s.strideB = args.Int(13, "strideB");
  const ArrayArg<float> c = args.Array<float>(14, "c");
  const int64_t cOff = args.Int(15, "cOffset");
  s.ldc = args.Int(16, "ldc");
  s.strideC = args.Int(17, "strideC");
  s.alpha = static_cast<float>(args.Num(18, "alpha"));
  s.beta = static_cast<float>(args.Num(19, "beta"));
  if (!args.ok()) return info.Env().Undefined();
  const int64_t aRows = transA ? s.k : s.m, aCols = transA ? s.m : s.k;
  const int64_t bRows = transB ? s.n : s.k, bCols = transB ? s.k : s.n;
  if (aRows > 1 && lda < aCols) args.Fail("lda must be >= " + std::to_string(aCols) + " (columns of stored A)");
  if (bRows > 1 && ldb < bCols) args.Fail("ldb must be >= " + std::to_string(bCols) + " (columns of stored B)");
  if (s.m > 1 && s.ldc < s.n) args.Fail("ldc must be >= n = " + std::to_string(s.n));
  if (s.batch > 1 && s.strideC == 0 && s.m * s.n > 0) args.Fail("strideC must be > 0 when batch > 1 (outputs would overlap)");
  const bool touchesAB = s.k > 0 && s.alpha != 0.0f;
  if (touchesAB) {
    args.Need(a, "a", aOff, Extent(s.batch, s.strideA, aRows, aCols, lda));
    args.Need(b, "b", bOff, Extent(s.batch, s.strideB, bRows, bCols, ldb));
  }
  args.Need(c, "c", cOff, Extent(s.batch, s.strideC, s.m, s.n, s.ldc));
  if (!args.ok() || s.m == 0 || s.n == 0 || s.batch == 0) return info.Env().Undefined();
  GemmBatched<T>(s, Operand<T>{a.data + aOff, lda, transA}, Operand<T>{b.data + bOff, ldb, transB}, c.data + cOff);
  return info.Env().Undefined();
}

Napi::Value GemmF32Js(const Napi::CallbackInfo& info) { return GemmJs<float>(info, "gemmF32"); }
Napi::Value GemmBf16Js(const Napi::CallbackInfo& info) { return GemmJs<uint16_t>(info, "gemmBf16"); }

// Prepacked op(B) [k, n]: a header, padding up to a 64-byte boundary (the microkernels load B
// panels aligned, AVX-512 ones to 64 bytes; a JS Float32Array is not), then for each nc-wide column block jc and each
// kc-deep block pc the kc x round_up(nc, nr) block as PackBlockB writes it, at jc * k + pc * ncPad.
// The header records the kernel's blocking and the padding, so a buffer packed under another ISA
// (setIsaMax) or seen at another address is detected and the caller repacks.
constexpr int64_t kPackHeader = 8, kPackAlignFloats = 16;
enum PackField { kPackNr, kPackKc, kPackNc, kPackN, kPackK, kPackPad };

int64_t RoundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

int64_t PackedLength(const GemmF32Kernel& kr, int64_t n, int64_t k) {
  return kPackHeader + kPackAlignFloats + RoundUp(n, kr.nr) * k;
}

int64_t AlignPad(const float* at) {
  const auto addr = reinterpret_cast<uintptr_t>(at);
  return static_cast<int64_t>((64 - addr % 64) % 64 / sizeof(float));
}

// The packed blocks, or null when the buffer was packed for another kernel, shape or address.
const float* PackedBlocks(const GemmF32Kernel& kr, const float* buf, int64_t n, int64_t k) {
  const float* body = buf + kPackHeader;
  const int64_t want[] = {kr.nr, kr.kc, kr.nc, n, k, AlignPad(body)};
  for (int f = kPackNr; f <= kPackPad; f++)
    if (static_cast<int64_t>(buf[f]) != want[f]) return nullptr;
  return body + want[kPackPad];
}

Napi::Value GemmF32PackBJs(const Napi::CallbackInfo& info) {
  Args args(info, "gemmF32PackB");
  const int64_t n = args.Int(0, "n");
  const int64_t k = args.Int(1, "k");
  const ArrayArg<float> b = args.Array<float>(2, "b");
  const int64_t bOff = args.Int(3, "bOffset");
  const int64_t ldb = args.Int(4, "ldb");
  const bool transB = args.Bool(5, "transB");
  if (!args.ok()) return info.Env().Undefined();
  // Header fields are stored as floats, exact below 2^24.
  if (n >= (1 << 24) || k >= (1 << 24)) args.Fail("n and k must be < 2^24 to prepack");
  const int64_t bRows = transB ? n : k, bCols = transB ? k : n;
  if (bRows > 1 && ldb < bCols) args.Fail("ldb must be >= " + std::to_string(bCols) + " (columns of stored B)");
  args.Need(b, "b", bOff, Extent(1, 0, bRows, bCols, ldb));
  if (!args.ok()) return info.Env().Undefined();
  const GemmF32Kernel kr = SelectGemmF32();
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), static_cast<size_t>(PackedLength(kr, n, k)));
  float* buf = out.Data();
  float* body = buf + kPackHeader;
  const int64_t pad = AlignPad(body);
  const int64_t header[] = {kr.nr, kr.kc, kr.nc, n, k, pad};
  for (int f = kPackNr; f <= kPackPad; f++) buf[f] = static_cast<float>(header[f]);
  const Operand<float> B{b.data + bOff, ldb, transB};
  for (int64_t jc = 0; jc < n; jc += kr.nc) {
    const int64_t nc = std::min<int64_t>(kr.nc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kr.kc)
      PackBlockB(kr, B, pc, std::min<int64_t>(kr.kc, k - pc), jc, nc, body + pad + jc * k + pc * RoundUp(nc, kr.nr));
  }
  return out;
}

struct Epilogue {
  const float* bias;  // [n] or null
  int act;            // UnaryOpCode, or -1 for none
  ElementwiseTable table;
};

// Bias and activation on an m x n tile whose columns start at column j0.
void ApplyEpilogue(const Epilogue& ep, float* c, int64_t ldc, int64_t j0, int m, int n) {
  for (int i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (ep.bias != nullptr)
      for (int j = 0; j < n; j++) row[j] += ep.bias[j0 + j];
    if (ep.act >= 0) ep.table.unary(ep.act, row, row, n);
  }
}

// One thread's share C[m0:m1, n0:n1] of A [m, k] times the prepacked B; n0 is a multiple of nr.
void PackedRegion(const GemmF32Kernel& kr, const Operand<float>& A, const float* packed, int64_t n, int64_t k,
                  float* c, int64_t ldc, const Epilogue& ep, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int64_t kcMax = std::min<int64_t>(kr.kc, k);
  const int64_t mcMax = std::min<int64_t>(kr.mc, RoundUp(m1 - m0, kr.mr));
  float* ap = t_pack_a.Get(static_cast<size_t>(kcMax * mcMax));
  for (int64_t jc = n0 / kr.nc * kr.nc; jc < n1; jc += kr.nc) {
    const int64_t ncPad = RoundUp(std::min<int64_t>(kr.nc, n - jc), kr.nr);
    const int64_t j0 = std::max(jc, n0), j1 = std::min<int64_t>(jc + kr.nc, n1);
    for (int64_t pc = 0; pc < k; pc += kr.kc) {
      const int64_t kc = std::min<int64_t>(kr.kc, k - pc);
      const bool last = pc + kc >= k;
      const float* bp = packed + jc * k + pc * ncPad;
      for (int64_t ic = m0; ic < m1; ic += kr.mc) {
        const int64_t mc = std::min<int64_t>(kr.mc, m1 - ic);
        PackBlockA(kr, A, ic, mc, pc, kc, ap);
        // A prepacked weight arrives from L3 or DRAM (gemmF32's B block was just packed and is
        // still near), so each tile also pulls its slice of the next B micro-panel toward L2:
        // 5-10% at M = 128, where a panel serves only ~22 tiles (notes/gemm-bert.md).
        const int64_t panelLines = kc * kr.nr * static_cast<int64_t>(sizeof(float)) / 64;
        const int64_t linesPerTile = (panelLines * kr.mr + mc - 1) / mc;
        for (int64_t jr = j0; jr < j1; jr += kr.nr) {
          const int nn = static_cast<int>(std::min<int64_t>(kr.nr, j1 - jr));
          const char* next = jr + kr.nr < j1 ? reinterpret_cast<const char*>(bp + (jr - jc + kr.nr) * kc) : nullptr;
          for (int64_t ir = 0; ir < mc; ir += kr.mr) {
            const int mm = static_cast<int>(std::min<int64_t>(kr.mr, mc - ir));
            float* tile = c + (ic + ir) * ldc + jr;
            if (next != nullptr) {
              const int64_t l0 = ir / kr.mr * linesPerTile, l1 = std::min(panelLines, l0 + linesPerTile);
              for (int64_t l = l0; l < l1; l++) __builtin_prefetch(next + l * 64, 0, 2);
            }
            const float beta = pc == 0 ? 0.0f : 1.0f;
            if (last && kr.microLast != nullptr) {
              kr.microLast(kc, ap + ir * kc, bp + (jr - jc) * kc, tile, ldc, beta, mm, nn,
                           ep.bias != nullptr ? ep.bias + jr : nullptr, ep.act);
              continue;
            }
            kr.micro(kc, ap + ir * kc, bp + (jr - jc) * kc, tile, ldc, 1.0f, beta, mm, nn);
            if (last) ApplyEpilogue(ep, tile, ldc, jr, mm, nn);
          }
        }
      }
    }
  }
}

const char* const kActivationNames[] = {"none", "gelu_erf", "gelu_tanh", "relu", "silu"};
const int kActivationCodes[] = {-1, kGeluErf, kGeluTanh, kRelu, kSilu};

Napi::Value LinearF32PackedJs(const Napi::CallbackInfo& info) {
  Args args(info, "linearF32Packed");
  const int64_t m = args.Int(0, "m");
  const int64_t n = args.Int(1, "n");
  const int64_t k = args.Int(2, "k");
  const ArrayArg<float> x = args.Array<float>(3, "x");
  const int64_t xOff = args.Int(4, "xOffset");
  const int64_t lda = args.Int(5, "lda");
  const ArrayArg<float> packed = args.Array<float>(6, "packed");
  const ArrayArg<float> bias = args.IsNullish(7) ? ArrayArg<float>{} : args.Array<float>(7, "bias");
  int act = -2;
  if (info.Length() > 8 && info[8].IsString()) {
    const std::string name = info[8].As<Napi::String>().Utf8Value();
    for (size_t i = 0; i < sizeof(kActivationNames) / sizeof(kActivationNames[0]); i++)
      if (name == kActivationNames[i]) act = kActivationCodes[i];
  }
  if (act == -2) args.Fail("argument 'activation' must be one of: none, gelu_erf, gelu_tanh, relu, silu");
  const ArrayArg<float> c = args.Array<float>(9, "c");
  const int64_t cOff = args.Int(10, "cOffset");
  const int64_t ldc = args.Int(11, "ldc");
  if (!args.ok()) return info.Env().Undefined();
  if (m > 1 && lda < k) args.Fail("lda must be >= k = " + std::to_string(k));
  if (m > 1 && ldc < n) args.Fail("ldc must be >= n = " + std::to_string(n));
  if (bias.data != nullptr && bias.length != n) args.Fail("bias must have n = " + std::to_string(n) + " entries");
  const GemmF32Kernel kr = SelectGemmF32();
  args.Need(x, "x", xOff, Extent(1, 0, m, k, lda));
  args.Need(c, "c", cOff, Extent(1, 0, m, n, ldc));
  if (!args.ok()) return info.Env().Undefined();
  const float* blocks =
      packed.length == PackedLength(kr, n, k) ? PackedBlocks(kr, packed.data, n, k) : nullptr;
  if (blocks == nullptr) return Napi::Boolean::New(info.Env(), false);
  const Epilogue ep{bias.data, act, SelectElementwise()};
  float* out = c.data + cOff;
  if (m == 0 || n == 0) return Napi::Boolean::New(info.Env(), true);
  if (k == 0) {
    for (int64_t i = 0; i < m; i++) {
      std::fill(out + i * ldc, out + i * ldc + n, 0.0f);
      for (int64_t j0 = 0; j0 < n; j0 += kr.nr)
        ApplyEpilogue(ep, out + i * ldc + j0, ldc, j0, 1, static_cast<int>(std::min<int64_t>(kr.nr, n - j0)));
    }
    return Napi::Boolean::New(info.Env(), true);
  }
  int threads = 2.0 * m * n * k < 2e6 ? 1 : NumThreads();
  const int64_t tilesM = (m + kr.mr - 1) / kr.mr, tilesN = (n + kr.nr - 1) / kr.nr;
  // Rows when every thread gets at least a full A block (mc rows): each packs only its own rows of
  // A, where a column split has every thread pack all of A (5% of the CPU time at 1024 x 768 x 768
  // on 2 threads; at M = 128 the column split wins by as much). Otherwise as gemmF32.
  const bool splitN = m < static_cast<int64_t>(kr.mc) * threads && (tilesN >= 2 * threads || tilesN >= tilesM);
  const Operand<float> A{x.data + xOff, lda, false};
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t m0 = 0, m1 = m, n0 = 0, n1 = n;
    if (splitN)
      StaticPartition(n, nt, tid, kr.nr, &n0, &n1);
    else
      StaticPartition(m, nt, tid, kr.mr, &m0, &m1);
    PackedRegion(kr, A, blocks, n, k, out, ldc, ep, m0, m1, n0, n1);
  });
  return Napi::Boolean::New(info.Env(), true);
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmF32", Napi::Function::New(env, GemmF32Js, "gemmF32"));
  exports.Set("gemmBf16", Napi::Function::New(env, GemmBf16Js, "gemmBf16"));
  exports.Set("gemmF32PackB", Napi::Function::New(env, GemmF32PackBJs, "gemmF32PackB"));
  exports.Set("linearF32Packed", Napi::Function::New(env, LinearF32PackedJs, "linearF32Packed"));
}

}  // namespace

GemmF32Kernel GemmF32KernelScalar() { return {kScalarMr, kScalarNr, 64, 256, 1024, MicroScalar}; }

GemmF32Kernel SelectGemmF32() {
#ifdef FRUGAL_X86
  switch (ActiveIsa()) {
    case kIsaAvx512: return avx512::GemmF32Kernel();
    case kIsaAvx2: return avx2::GemmF32Kernel();
    default: break;
  }
#endif
  return GemmF32KernelScalar();
}

}  // namespace frugal

FRUGAL_MODULE(gemm_f32, frugal::Init)
