// Data-movement kernels for views and embedding rows. The only arithmetic (scatter-add's row
// sum) is per ISA; the copies are memcpy-bound and portable.
#pragma once
#include <cstdint>

namespace frugal {

struct StridedTable {
  // dst[i] += src[i], i < n.
  void (*add_row)(float* dst, const float* src, int64_t n);
};

StridedTable StridedScalar();
namespace avx2 {
StridedTable Strided();
}
StridedTable SelectStrided();

}  // namespace frugal
