// AVX2/FMA instantiation of the elementwise and row kernels (8 lanes).
#include "frugal/simd/vec-avx2.h"
// The traits must precede the kernel templates.
#include "frugal/simd/elementwise-impl.h"
#include "frugal/simd/rows-impl.h"

namespace frugal::avx2 {
ElementwiseTable Elementwise() { return MakeElementwiseTable<VecAvx2>(); }
}  // namespace frugal::avx2
