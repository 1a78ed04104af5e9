// FMA peak probes: each runs `iters` rounds of 12 independent FMA chains (enough to cover FMA
// latency x throughput on current cores) and returns the floating-point operations performed.
#pragma once
#include <cstdint>

namespace frugal {
double FmaLoopScalar(int64_t iters);
namespace avx2 {
double FmaLoop(int64_t iters);
}
namespace avx512 {
double FmaLoop(int64_t iters);
}
}  // namespace frugal
