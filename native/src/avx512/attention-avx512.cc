// AVX-512 instantiation of the fused attention kernel (16 lanes): score tiles of 4 queries x 32
// keys and value tiles of 16 columns per FMA.
#include "frugal/simd/vec-avx512.h"
// The traits must precede the kernel template.
#include "frugal/simd/attention-impl.h"

namespace frugal::avx512 {
AttentionKernel Attention() { return &AttentionUnits<VecAvx512>; }
}  // namespace frugal::avx512
