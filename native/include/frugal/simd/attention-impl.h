// Blocked online-softmax attention over any vector traits V. Per work unit, keys are visited in
// blocks: the block of K is transposed once into [D, block] scratch so that a tile of four query
// rows computes its scores with broadcast-FMAs over key lanes, then the running max / sum / output
// of each row is rescaled (online softmax) and the block's probabilities are folded into the
// output with broadcast-FMAs over the value dimension. A masked (or future, when causal) key gets
// the score -1e9, the same fill the unfused path uses, so both agree even on rows that may attend
// nothing (uniform weights there).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "frugal/attention-kernels.h"
#include "frugal/simd/vec-math.h"

namespace frugal {
namespace {

constexpr int kTileRows = 4;
constexpr float kMaskedScore = -1e9f;

// Vectors of keys per score tile and of value columns per output tile: four rows times four
// vectors fill 16 of AVX-512's 32 registers with accumulators and load one operand per FMA half;
// with 16 registers (AVX2) two vectors keep the tile from spilling.
template <class V>
constexpr int kTileVecs = V::W >= 16 ? 4 : 2;

template <class V>
struct AttentionScratch {
  int64_t block, width;  // keys per block; block rounded up to a score tile
  std::vector<float> kt, scores, acc, keep, rowKeep;
  AttentionScratch(int64_t d, int64_t dv) {
    constexpr int64_t tile = kTileVecs<V> * V::W;
    block = std::max<int64_t>(tile, std::min<int64_t>(256, 8192 / std::max<int64_t>(d, 1)));
    width = (block + tile - 1) / tile * tile;
    kt.assign(static_cast<size_t>(d * width), 0.0f);
    scores.assign(static_cast<size_t>(kTileRows * width), 0.0f);
    acc.assign(static_cast<size_t>(kAttentionRows * dv), 0.0f);
    keep.assign(static_cast<size_t>(width), 0.0f);
    rowKeep.assign(static_cast<size_t>(width), 0.0f);
  }
};

// scores[r][0, width) = q_r . kt[:, j] for the four rows (duplicates allowed), over d.
template <class V>
void TileScores(const float* const* qr, const float* kt, int64_t d, int64_t width, float* scores) {
  using F = typename V::F;
  constexpr int C = kTileVecs<V>;
  for (int64_t j = 0; j < width; j += C * V::W) {
    F a[kTileRows][C];
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; r++)
#pragma GCC unroll 4
      for (int c = 0; c < C; c++) a[r][c] = V::Set(0.0f);
    const float* col = kt + j;
    for (int64_t p = 0; p < d; p++) {
      F k[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; c++) k[c] = V::Load(col + p * width + c * V::W);
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; r++) {
        const F q = V::Set(qr[r][p]);
#pragma GCC unroll 4
        for (int c = 0; c < C; c++) a[r][c] = V::Fma(q, k[c], a[r][c]);
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; r++)
#pragma GCC unroll 4
      for (int c = 0; c < C; c++) V::Store(scores + r * width + j + c * V::W, a[r][c]);
  }
}

// acc[r][c0, c0 + C vectors) = acc[r] * corr[r] + sum_j p[r][j] * v[j] over those columns.
template <class V, int C>
void TileValueColumns(const float* p, int64_t width, int64_t n, const float* v, int64_t vs, int64_t dv,
                      int64_t c0, const float* corr, int rows, float* acc) {
  using F = typename V::F;
  F a[kTileRows][C];
#pragma GCC unroll 4
  for (int r = 0; r < kTileRows; r++)
#pragma GCC unroll 4
    for (int c = 0; c < C; c++)
      a[r][c] = r < rows ? V::Mul(V::Load(acc + r * dv + c0 + c * V::W), V::Set(corr[r])) : V::Set(0.0f);
  for (int64_t j = 0; j < n; j++) {
    F vj[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; c++) vj[c] = V::Load(v + j * vs + c0 + c * V::W);
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; r++) {
      const F pr = V::Set(p[r * width + j]);
#pragma GCC unroll 4
      for (int c = 0; c < C; c++) a[r][c] = V::Fma(pr, vj[c], a[r][c]);
    }
  }
  // All four rows are stored, so that the accumulators stay in registers (a store loop bounded by
  // rows made GCC keep them on the stack); acc holds kAttentionRows rows, and rows past the last
  // query of the unit are never read.
#pragma GCC unroll 4
  for (int r = 0; r < kTileRows; r++)
#pragma GCC unroll 4
    for (int c = 0; c < C; c++) V::Store(acc + r * dv + c0 + c * V::W, a[r][c]);
}

// acc[r][0, dv) = acc[r] * corr[r] + sum_j p[r][j] * v[j] over the rows r < rows.
template <class V>
void TileValues(const float* p, int64_t width, int64_t n, const float* v, int64_t vs, int64_t dv,
                const float* corr, int rows, float* acc) {
  constexpr int C = kTileVecs<V>;
  int64_t c = 0;
  for (; c + C * V::W <= dv; c += C * V::W) TileValueColumns<V, C>(p, width, n, v, vs, dv, c, corr, rows, acc);
  for (; c + V::W <= dv; c += V::W) TileValueColumns<V, 1>(p, width, n, v, vs, dv, c, corr, rows, acc);
  for (; c < dv; c++) {
    for (int r = 0; r < rows; r++) {
      float a = acc[r * dv + c] * corr[r];
      for (int64_t j = 0; j < n; j++) a += p[r * width + j] * v[j * vs + c];
      acc[r * dv + c] = a;
    }
  }
}

// Softmax-normalizes one row's raw block scores in place (scale, mask, exp against the new running
// max) and updates its running max m and sum l; returns the factor that rescales its old output.
// keep[j] is 1 where the row may attend key j and 0 where it may not; null: every key.
template <class V>
float RowBlockSoftmax(float* sr, int64_t n, float scale, const float* keep, float* m, float* l) {
  using F = typename V::F;
  const F vscale = V::Set(scale), masked = V::Set(kMaskedScore), half = V::Set(0.5f);
  F vmx = V::Set(*m);
  int64_t j = 0;
  for (; j + V::W <= n; j += V::W) {
    F x = V::Mul(V::Load(sr + j), vscale);
    if (keep) x = V::Select(V::Lt(V::Load(keep + j), half), masked, x);
    V::Store(sr + j, x);
    vmx = V::Max(vmx, x);
  }
  float mx = V::ReduceMax(vmx);
  for (; j < n; j++) {
    float x = sr[j] * scale;
    if (keep && keep[j] < 0.5f) x = kMaskedScore;
    sr[j] = x;
    mx = std::max(mx, x);
  }
  const F vmax = V::Set(mx);
  F sum = V::Set(0.0f);
  j = 0;
  for (; j + V::W <= n; j += V::W) {
    const F e = VExp<V>(V::Sub(V::Load(sr + j), vmax));
    V::Store(sr + j, e);
    sum = V::Add(sum, e);
  }
  float total = V::ReduceAdd(sum);
  if (j < n) {
    float buf[V::W];
    for (int w = 0; w < V::W; w++) buf[w] = j + w < n ? sr[j + w] - mx : -__builtin_inff();
    V::Store(buf, VExp<V>(V::Load(buf)));
    for (int w = 0; j + w < n; w++) {
      sr[j + w] = buf[w];
      total += buf[w];
    }
  }
  const float corr = *m == -__builtin_inff() ? 0.0f : std::exp(*m - mx);
  *l = *l * corr + total;
  *m = mx;
  return corr;
}

// kt[p * width + j] = k[j * ks + p] for j < n, p < d: whole 16 x 16 tiles in registers where the
// traits have a transpose (AVX-512), the rest element by element.
template <class V>
void TransposeKeys(const float* k, int64_t ks, int64_t n, int64_t d, float* kt, int64_t width) {
  int64_t j0 = 0;
  if constexpr (V::W == 16) {
    for (; j0 + 16 <= n; j0 += 16) {
      int64_t p = 0;
      for (; p + 16 <= d; p += 16) V::Transpose16(k + j0 * ks + p, ks, kt + p * width + j0, width);
      for (; p < d; p++)
        for (int64_t j = j0; j < j0 + 16; j++) kt[p * width + j] = k[j * ks + p];
    }
  }
  for (int64_t j = j0; j < n; j++)
    for (int64_t p = 0; p < d; p++) kt[p * width + j] = k[j * ks + p];
}

template <class V>
void AttentionUnits(const AttentionGeom& g, int64_t begin, int64_t end) {
  AttentionScratch<V> sc(g.d, g.dv);
  const int64_t tiles = (g.t + kAttentionRows - 1) / kAttentionRows;
  const int64_t group = g.heads / g.kvHeads;
  const int64_t offset = g.s - g.t;  // query i sits at key position i + offset (causal)
  // Without a mask, keys past a causal row's own position contribute exactly 0 and are skipped.
  const bool skipFuture = g.causal && !g.mask;
  float* kt = sc.kt.data();
  float* scores = sc.scores.data();
  float* acc = sc.acc.data();
  float m[kAttentionRows], l[kAttentionRows];
  for (int64_t u = begin; u < end; u++) {
    const int64_t bh = u / tiles, tile = u % tiles;
    const int64_t b = bh / g.heads, h = bh % g.heads, hk = h / group;
    const int64_t i0 = tile * kAttentionRows, i1 = std::min(g.t, i0 + kAttentionRows);
    const float* kbase = g.k + b * g.ksB + hk * g.ksH;
    const float* vbase = g.v + b * g.vsB + hk * g.vsH;
    const int64_t sEnd = skipFuture ? std::min(g.s, i1 + offset) : g.s;
    std::fill(m, m + kAttentionRows, -__builtin_inff());
    std::fill(l, l + kAttentionRows, 0.0f);
    std::fill(acc, acc + kAttentionRows * g.dv, 0.0f);
    for (int64_t kb = 0; kb < sEnd; kb += sc.block) {
      const int64_t n = std::min(sc.block, sEnd - kb);
      TransposeKeys<V>(kbase + kb * g.ksS, g.ksS, n, g.d, kt, sc.width);
      for (int64_t p = 0; p < g.d; p++) std::fill(kt + p * sc.width + n, kt + (p + 1) * sc.width, 0.0f);
      // A mask that does not vary with the query (padding) becomes one keep row per block.
      const float* blockKeep = nullptr;
      if (g.mask && g.msT == 0) {
        const uint8_t* mrow = g.mask + b * g.msB + h * g.msH + kb * g.msS;
        for (int64_t j = 0; j < n; j++) sc.keep[j] = mrow[j * g.msS] ? 1.0f : 0.0f;
        blockKeep = sc.keep.data();
      }
      for (int64_t r0 = i0; r0 < i1; r0 += kTileRows) {
        const int rows = static_cast<int>(std::min<int64_t>(kTileRows, i1 - r0));
        if (skipFuture && kb > r0 + rows - 1 + offset) continue;
        const float* qr[kTileRows];
        for (int r = 0; r < kTileRows; r++) qr[r] = g.q + b * g.qsB + h * g.qsH + (r0 + std::min(r, rows - 1)) * g.qsT;
        TileScores<V>(qr, kt, g.d, sc.width, scores);
        float corr[kTileRows] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int r = 0; r < rows; r++) {
          const int64_t i = r0 + r, ri = i - i0;
          const int64_t limit = g.causal ? i + offset - kb : n;
          const float* keep = blockKeep;
          if ((g.mask && g.msT != 0) || limit < n - 1) {
            const uint8_t* mrow = g.mask ? g.mask + b * g.msB + h * g.msH + i * g.msT + kb * g.msS : nullptr;
            for (int64_t j = 0; j < n; j++)
              sc.rowKeep[j] = j <= limit && (mrow ? mrow[j * g.msS] != 0 : !blockKeep || blockKeep[j] > 0.5f);
            keep = sc.rowKeep.data();
          }
          corr[r] = RowBlockSoftmax<V>(scores + r * sc.width, n, g.scale, keep, m + ri, l + ri);
        }
        for (int r = rows; r < kTileRows; r++) std::fill(scores + r * sc.width, scores + (r + 1) * sc.width, 0.0f);
        TileValues<V>(scores, sc.width, n, vbase + kb * g.vsS, g.vsS, g.dv, corr, rows, acc + (r0 - i0) * g.dv);
      }
    }
    for (int64_t i = i0; i < i1; i++) {
      float* o = g.out + b * g.osB + h * g.osH + i * g.osT;
      const float inv = 1.0f / l[i - i0];
      const float* a = acc + (i - i0) * g.dv;
      for (int64_t c = 0; c < g.dv; c++) o[c] = a[c] * inv;
    }
  }
}

}  // namespace
}  // namespace frugal
