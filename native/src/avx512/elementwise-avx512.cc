// AVX-512 instantiation of the elementwise and row kernels (16 lanes). Compiled and dispatched
// by cpuid; not executed on the AVX2-only development machine.
#include "frugal/simd/vec-avx512.h"
// The traits must precede the kernel templates.
#include "frugal/simd/elementwise-impl.h"
#include "frugal/simd/rows-impl.h"

namespace frugal::avx512 {
ElementwiseTable Elementwise() { return MakeElementwiseTable<VecAvx512>(); }
}  // namespace frugal::avx512
