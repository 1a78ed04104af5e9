// Fused scaled-dot-product attention for inference: out = softmax(q k^T * scale, masked) v without
// materializing the [T, S] score matrix. Inner (head) dimensions are contiguous; every other axis
// has its own element stride, so head-split views of [B, T, H*D] projections need no copy.
#pragma once
#include <cstdint>

namespace frugal {

struct AttentionGeom {
  int64_t batch, heads, kvHeads, t, s, d, dv;
  bool causal;
  float scale;
  const float* q;
  int64_t qsB, qsH, qsT;
  const float* k;
  int64_t ksB, ksH, ksS;
  const float* v;
  int64_t vsB, vsH, vsS;
  float* out;
  int64_t osB, osH, osT;
  // Optional bool mask (1 = may attend), broadcast through zero strides; null = none.
  const uint8_t* mask;
  int64_t msB, msH, msT, msS;
};

// Queries per work unit: one unit is (batch, head, block of kAttentionRows queries).
constexpr int64_t kAttentionRows = 128;

// Runs work units [begin, end) of batch * heads * ceil(t / kAttentionRows).
using AttentionKernel = void (*)(const AttentionGeom& g, int64_t begin, int64_t end);

AttentionKernel AttentionScalar();
namespace avx2 {
AttentionKernel Attention();
}
namespace avx512 {
AttentionKernel Attention();
}
AttentionKernel SelectAttention();

}  // namespace frugal
