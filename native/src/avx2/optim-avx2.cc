// AVX2/FMA instantiation of the fused optimizer kernels (8 lanes).
#include "frugal/simd/vec-avx2.h"
// The traits must precede the kernel templates.
#include "frugal/simd/optim-impl.h"

namespace frugal::avx2 {
OptimTable Optim() { return MakeOptimTable<VecAvx2>(); }
}  // namespace frugal::avx2
