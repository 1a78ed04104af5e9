// AVX2/FMA instantiation of the backward kernels (8 lanes).
#include "frugal/simd/vec-avx2.h"
// The traits must precede the kernel templates.
#include "frugal/simd/grad-impl.h"

namespace frugal::avx2 {
GradTable Grad() { return MakeGradTable<VecAvx2>(); }
}  // namespace frugal::avx2
