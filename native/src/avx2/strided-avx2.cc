// AVX2 instantiation of the scatter-add row sum (8 lanes).
#include "frugal/simd/vec-avx2.h"
// The traits must precede the kernel templates.
#include "frugal/simd/strided-impl.h"

namespace frugal::avx2 {
StridedTable Strided() { return MakeStridedTable<VecAvx2>(); }
}  // namespace frugal::avx2
