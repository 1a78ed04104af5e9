// Packed N:M-sparse GEMM with INT8 / INT4 weights (NxMiFormer inference).
//  gemmSparseNm(n, m, bits, rows, outF, k, x, xOff, values, indices, scales, bias|null, out, outOff):
//    out f32 [rows, outF] = scale[o] * sum_j code[o, j] * x[t, (j / n) * m + index[o, j]] + bias[o]
//    for x f32 [rows, k] row-major. Per output row, k * n / m kept codes: bits 8 -> int8, bits 4 ->
//    two's complement nibbles, low nibble first (values passed as an Int8Array); `indices` is one
//    little-endian bit stream of ceil(log2 m)-bit positions inside each m-block, in the same order
//    as the codes (src/compress/sparse-linear.ts, the TypeScript oracle, documents the format).
//  The driver decodes blocks of kOutBlock output rows once per call and transposes x into token
//  chunks; the inner kernel (AVX2 or portable, contract in sparse-nm.h) multiplies only the kept
//  weights. Threads split the output rows; results do not depend on the thread count.
#include "sparse-nm.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "frugal/aligned-buffer.h"
#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/thread-pool.h"

namespace frugal::sparse_nm {

void ChunkScalar(const float* xt, int64_t ld, int width, const int32_t* cols, const float* vals, int64_t kept,
                 float* acc, bool accumulate) {
  if (!accumulate)
    for (int t = 0; t < width; t++) acc[t] = 0.0f;
  for (int64_t j = 0; j < kept; j++) {
    const float* row = xt + static_cast<int64_t>(cols[j]) * ld;
    const float w = vals[j];
    for (int t = 0; t < width; t++) acc[t] += w * row[t];
  }
}

namespace {

constexpr int64_t kOutBlock = 16;

ChunkKernel SelectChunk() {
#ifdef FRUGAL_X86
  if (ActiveIsa() >= kIsaAvx2) return avx2::SparseNmChunk;
#endif
  return ChunkScalar;
}

struct Problem {
  int64_t n, m, bits, rows, outF, k;
  const float* x;
  const int8_t* values;
  const uint8_t* indices;
  const float* scales;
  const float* bias;
  float* out;
};

thread_local AlignedBuffer<int32_t> t_cols;
thread_local AlignedBuffer<float> t_vals;

// Output rows [o0, o1): kept positions as input columns and codes as f32, kept per row each.
void Decode(const Problem& p, int64_t o0, int64_t o1, int32_t* cols, float* vals) {
  const int64_t kept = p.k * p.n / p.m;
  int idxBits = 0;
  while ((int64_t{1} << idxBits) < p.m) idxBits++;
  for (int64_t o = o0; o < o1; o++) {
    int32_t* c = cols + (o - o0) * kept;
    float* v = vals + (o - o0) * kept;
    for (int64_t j = 0; j < kept; j++) {
      const int64_t q = o * kept + j;
      // A field of at most 8 bits spans at most two bytes; the second is read only when needed.
      const int64_t bit0 = q * idxBits;
      const int shift = static_cast<int>(bit0 & 7);
      uint32_t word = p.indices[bit0 >> 3];
      if (shift + idxBits > 8) word |= static_cast<uint32_t>(p.indices[(bit0 >> 3) + 1]) << 8;
      const int idx = static_cast<int>((word >> shift) & ((1u << idxBits) - 1));
      c[j] = static_cast<int32_t>((j / p.n) * p.m + idx);
      if (p.bits == 8) {
        v[j] = static_cast<float>(p.values[q]);
      } else {
        const int8_t byte = p.values[q >> 1];
        v[j] = static_cast<float>((q & 1) ? (byte >> 4) : static_cast<int8_t>(byte << 4) >> 4);
      }
    }
  }
}

// x [rows, k] -> chunks of kChunk tokens, each [k][width] with width = round8(tokens in it),
// zero-padded; chunk c starts at xt + c * kChunk * k.
void Transpose(const Problem& p, int64_t c, float* xt) {
  const int64_t t0 = c * kChunk;
  const int64_t valid = std::min<int64_t>(kChunk, p.rows - t0);
  const int64_t width = (valid + 7) / 8 * 8;
  float* dst = xt + c * kChunk * p.k;
  for (int64_t t = 0; t < width; t++) {
    if (t >= valid) {
      for (int64_t kk = 0; kk < p.k; kk++) dst[kk * width + t] = 0.0f;
      continue;
    }
    const float* src = p.x + (t0 + t) * p.k;
    for (int64_t kk = 0; kk < p.k; kk++) dst[kk * width + t] = src[kk];
  }
}

void Run(const Problem& p) {
  const ChunkKernel kernel = SelectChunk();
  const int64_t chunks = (p.rows + kChunk - 1) / kChunk;
  const int64_t kept = p.k * p.n / p.m;
  AlignedBuffer<float> transposed;
  float* xt = transposed.Get(static_cast<size_t>(chunks * kChunk * p.k));
  int threads = NumThreads();
  if (2.0 * p.rows * p.outF * kept < 1e6) threads = 1;
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t c0 = 0, c1 = 0;
    StaticPartition(chunks, nt, tid, 1, &c0, &c1);
    for (int64_t c = c0; c < c1; c++) Transpose(p, c, xt);
  });
  // kept weights per kKBlock rows of k (k-blocks start on m-block boundaries when m divides kKBlock;
  // otherwise one block spans all of k).
  const int64_t kBlock = kKBlock % p.m == 0 ? kKBlock : p.k;
  const int64_t keptPerBlock = kBlock * p.n / p.m;
  ParallelRun(threads, [&](int tid, int nt) {
    int64_t o0 = 0, o1 = 0;
    StaticPartition(p.outF, nt, tid, kOutBlock, &o0, &o1);
    int32_t* cols = t_cols.Get(static_cast<size_t>(kOutBlock * kept));
    float* vals = t_vals.Get(static_cast<size_t>(kOutBlock * kept));
    alignas(64) float acc[kOutBlock * kChunk];
    alignas(64) float tile[kChunk * kOutBlock];
    for (int64_t ob = o0; ob < o1; ob += kOutBlock) {
      const int64_t oe = std::min(o1, ob + kOutBlock), nb = oe - ob;
      Decode(p, ob, oe, cols, vals);
      for (int64_t c = 0; c < chunks; c++) {
        const int64_t t0 = c * kChunk;
        const int64_t valid = std::min<int64_t>(kChunk, p.rows - t0);
        const int width = static_cast<int>((valid + 7) / 8 * 8);
        const float* chunk = xt + c * kChunk * p.k;
        for (int64_t j0 = 0; j0 < kept; j0 += keptPerBlock) {
          const int64_t count = std::min(keptPerBlock, kept - j0);
          for (int64_t o = 0; o < nb; o++)
            kernel(chunk, width, width, cols + o * kept + j0, vals + o * kept + j0, count, acc + o * kChunk, j0 > 0);
        }
        // Through a [token][output] tile so that the output is written in row segments, not with a
        // stride of one output row per element.
        for (int64_t o = 0; o < nb; o++) {
          const float s = p.scales[ob + o], b = p.bias ? p.bias[ob + o] : 0.0f;
          for (int64_t t = 0; t < valid; t++) tile[t * kOutBlock + o] = acc[o * kChunk + t] * s + b;
        }
        for (int64_t t = 0; t < valid; t++)
          std::copy(tile + t * kOutBlock, tile + t * kOutBlock + nb, p.out + (t0 + t) * p.outF + ob);
      }
    }
  });
}

Napi::Value GemmSparseNmJs(const Napi::CallbackInfo& info) {
  Args args(info, "gemmSparseNm");
  Problem p{};
  p.n = args.Int(0, "n", 1);
  p.m = args.Int(1, "m", 2);
  p.bits = args.Int(2, "bits", 4);
  p.rows = args.Int(3, "rows");
  p.outF = args.Int(4, "outFeatures");
  p.k = args.Int(5, "k");
  const ArrayArg<float> x = args.Array<float>(6, "x");
  const int64_t xOff = args.Int(7, "xOffset");
  const ArrayArg<int8_t> values = args.Array<int8_t>(8, "values");
  const ArrayArg<uint8_t> indices = args.Array<uint8_t>(9, "indices");
  const ArrayArg<float> scales = args.Array<float>(10, "scales");
  const ArrayArg<float> out = args.Array<float>(12, "out");
  const int64_t outOff = args.Int(13, "outOffset");
  if (args.ok() && (p.n >= p.m || p.m > 256)) args.Fail("needs 1 <= n < m <= 256");
  if (args.ok() && p.bits != 8 && p.bits != 4) args.Fail("bits must be 8 or 4");
  if (args.ok() && p.k % p.m != 0) args.Fail("k (" + std::to_string(p.k) + ") must be a multiple of m");
  if (args.ok() && p.k > (int64_t{1} << 30)) args.Fail("k must be below 2^30");
  const int64_t kept = args.ok() ? p.k * p.n / p.m : 0;
  if (args.ok() && p.bits == 4 && kept % 2 != 0) args.Fail("INT4 needs an even number of kept weights per row");
  int idxBits = 0;
  while ((int64_t{1} << idxBits) < p.m) idxBits++;
  args.Need(x, "x", xOff, p.rows * p.k);
  args.Need(values, "values", 0, p.outF * kept * p.bits / 8);
  args.Need(indices, "indices", 0, (p.outF * kept * idxBits + 7) / 8);
  args.Need(scales, "scales", 0, p.outF);
  args.Need(out, "out", outOff, p.rows * p.outF);
  if (!args.IsNullish(11)) {
    const ArrayArg<float> bias = args.Array<float>(11, "bias");
    args.Need(bias, "bias", 0, p.outF);
    p.bias = bias.data;
  }
  if (!args.ok() || p.rows == 0 || p.outF == 0) return info.Env().Undefined();
  p.x = x.data + xOff;
  p.values = values.data;
  p.indices = indices.data;
  p.scales = scales.data;
  p.out = out.data + outOff;
  if (p.k == 0) {
    for (int64_t t = 0; t < p.rows; t++)
      for (int64_t o = 0; o < p.outF; o++) p.out[t * p.outF + o] = p.bias ? p.bias[o] : 0.0f;
    return info.Env().Undefined();
  }
  Run(p);
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmSparseNm", Napi::Function::New(env, GemmSparseNmJs, "gemmSparseNm"));
}

}  // namespace
}  // namespace frugal::sparse_nm

FRUGAL_MODULE(sparse_nm, frugal::sparse_nm::Init)
