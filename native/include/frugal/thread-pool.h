// A persistent thread pool shared by every kernel family. Workers spin briefly, then sleep on a
// condition variable between jobs. Work is always split by a static partition of the index
// space, so results never depend on scheduling, only (at most) on the thread count.
#pragma once
#include <cstdint>
#include <functional>

namespace frugal {

int NumThreads();
// n >= 1; resizes the pool (joins the old workers). Default: FRUGAL_THREADS or the core count.
void SetNumThreads(int n);

// Runs fn(tid, nthreads) once for each tid in [0, nthreads), returning when all are done. The
// threads (the caller among them) claim tids as they arrive, so one thread may run several and a
// share never waits for a particular thread; fn must not make one tid wait for another. nthreads is
// clamped to NumThreads(); nested or concurrent calls run serially.
void ParallelRun(int nthreads, const std::function<void(int tid, int nthreads)>& fn);

// [begin, end) of part `idx` of `parts` over [0, n), boundaries rounded to multiples of `align`.
inline void StaticPartition(int64_t n, int parts, int idx, int64_t align, int64_t* begin, int64_t* end) {
  const int64_t units = (n + align - 1) / align;
  const int64_t b = units * idx / parts, e = units * (idx + 1) / parts;
  *begin = b * align < n ? b * align : n;
  *end = e * align < n ? e * align : n;
}

// Splits [0, n) into contiguous chunks of at least `grain` indices, one per thread, and runs
// fn(begin, end) on each; runs inline when n < 2 * grain.
void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace frugal
