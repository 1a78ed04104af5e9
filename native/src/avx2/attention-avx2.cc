// AVX2/FMA instantiation of the fused attention kernel (8 lanes).
#include "frugal/simd/vec-avx2.h"
// The traits must precede the kernel template.
#include "frugal/simd/attention-impl.h"

namespace frugal::avx2 {
AttentionKernel Attention() { return &AttentionUnits<VecAvx2>; }
}  // namespace frugal::avx2
