// JS entry points for copies between strided f32 views and for scatter-adding rows along one
// axis (embedding and slice gradients). Layout: a tensor
// viewed as [outer, rows, inner] around the indexed axis; indices are i32 and bounds-checked
// before anything is written.
// JS: copyStridedF32, scatterAddRowsF32 (argument order in src/backend/native/binding.ts).
#include <cstring>
#include <string>
#include <vector>

#include "frugal/cpu.h"
#include "frugal/napi-args.h"
#include "frugal/registry.h"
#include "frugal/simd/vec-scalar.h"
// The traits must precede the kernel templates.
#include "frugal/simd/strided-impl.h"
#include "frugal/thread-pool.h"

namespace frugal {

StridedTable StridedScalar() { return MakeStridedTable<VecScalar>(); }

StridedTable SelectStrided() {
#ifdef FRUGAL_X86
  if (ActiveIsa() >= kIsaAvx2) return avx2::Strided();
#endif
  return StridedScalar();
}

namespace {

// Below this many elements per thread, waking a worker costs more than it saves.
constexpr int64_t kGrain = 32768;
constexpr int kMaxRank = 8;

struct Dim {
  int64_t size, xs, os;
};

// Reads an Int32Array of exactly `rank` entries.
std::vector<int64_t> ReadInts(Args& args, size_t idx, const char* name, int64_t rank) {
  const ArrayArg<int32_t> a = args.Array<int32_t>(idx, name);
  if (args.ok() && rank >= 0 && a.length != rank)
    args.Fail(std::string("argument '") + name + "' must have " + std::to_string(rank) + " entries");
  std::vector<int64_t> out;
  if (args.ok()) out.assign(a.data, a.data + a.length);
  return out;
}

// [min, max] element offsets a strided view reaches relative to its offset.
void Reach(const std::vector<Dim>& dims, bool ofX, int64_t* lo, int64_t* hi) {
  *lo = 0;
  *hi = 0;
  for (const Dim& d : dims) {
    const int64_t s = ofX ? d.xs : d.os;
    const int64_t span = s * (d.size - 1);
    if (span < 0) *lo += span;
    else *hi += span;
  }
}

Napi::Value CopyStridedJs(const Napi::CallbackInfo& info) {
  Args args(info, "copyStridedF32");
  const std::vector<int64_t> shape = ReadInts(args, 0, "shape", -1);
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (args.ok() && rank > kMaxRank) args.Fail("rank must be <= " + std::to_string(kMaxRank));
  const ArrayArg<float> x = args.Array<float>(1, "x");
  const int64_t xOff = args.Int(2, "xOffset");
  const std::vector<int64_t> xs = ReadInts(args, 3, "xStrides", rank);
  const ArrayArg<float> out = args.Array<float>(4, "out");
  const int64_t oOff = args.Int(5, "outOffset");
  const std::vector<int64_t> os = ReadInts(args, 6, "outStrides", rank);
  if (!args.ok()) return info.Env().Undefined();
  // Drop size-1 axes and merge axes that are contiguous in both views.
  std::vector<Dim> dims;
  int64_t total = 1;
  for (int64_t i = 0; i < rank; i++) {
    if (shape[i] < 0) {
      args.Fail("shape entries must be >= 0");
      return info.Env().Undefined();
    }
    total *= shape[i];
    if (shape[i] == 1) continue;
    if (!dims.empty() && dims.back().xs == xs[i] * shape[i] && dims.back().os == os[i] * shape[i]) {
      dims.back().size *= shape[i];
      dims.back().xs = xs[i];
      dims.back().os = os[i];
    } else {
      dims.push_back({shape[i], xs[i], os[i]});
    }
  }
  if (total == 0) return info.Env().Undefined();
  if (dims.empty()) dims.push_back({1, 1, 1});
  int64_t lo, hi;
  Reach(dims, true, &lo, &hi);
  args.Need(x, "x", xOff + lo, hi - lo + 1);
  Reach(dims, false, &lo, &hi);
  args.Need(out, "out", oOff + lo, hi - lo + 1);
  if (!args.ok()) return info.Env().Undefined();
  const Dim inner = dims.back();
  dims.pop_back();
  const int64_t rows = total / inner.size;
  const float* px = x.data + xOff;
  float* po = out.data + oOff;
  ParallelFor(rows, inner.size >= kGrain ? 1 : kGrain / inner.size, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      int64_t rem = r, xo = 0, oo = 0;
      for (int64_t d = static_cast<int64_t>(dims.size()) - 1; d >= 0; d--) {
        const int64_t k = rem % dims[d].size;
        rem /= dims[d].size;
        xo += k * dims[d].xs;
        oo += k * dims[d].os;
      }
      const float* src = px + xo;
      float* dst = po + oo;
      if (inner.xs == 1 && inner.os == 1) {
        std::memcpy(dst, src, static_cast<size_t>(inner.size) * sizeof(float));
      } else {
        for (int64_t j = 0; j < inner.size; j++) dst[j * inner.os] = src[j * inner.xs];
      }
    }
  });
  return info.Env().Undefined();
}

struct RowsLayout {
  int64_t outer = 0, rows = 0, inner = 0, n = 0;
  const int32_t* idx = nullptr;
};

// Reads (outer, rows, inner, indices, indicesOffset, n) from argument `first` and checks that
// every index lies in [0, rows).
RowsLayout ReadRowsLayout(Args& args, size_t first) {
  RowsLayout l;
  l.outer = args.Int(first, "outer");
  l.rows = args.Int(first + 1, "rows");
  l.inner = args.Int(first + 2, "inner");
  const ArrayArg<int32_t> idx = args.Array<int32_t>(first + 3, "indices");
  const int64_t idxOff = args.Int(first + 4, "indicesOffset");
  l.n = args.Int(first + 5, "n");
  args.Need(idx, "indices", idxOff, l.n);
  if (!args.ok()) return l;
  l.idx = idx.data + idxOff;
  for (int64_t j = 0; j < l.n; j++) {
    if (l.idx[j] < 0 || l.idx[j] >= l.rows) {
      args.Fail("index " + std::to_string(l.idx[j]) + " at position " + std::to_string(j) + " is outside [0, " +
                std::to_string(l.rows) + ")");
      break;
    }
  }
  return l;
}

Napi::Value ScatterAddRowsJs(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAddRowsF32");
  const ArrayArg<float> target = args.Array<float>(0, "target");
  const int64_t tOff = args.Int(1, "targetOffset");
  const RowsLayout l = ReadRowsLayout(args, 2);
  const ArrayArg<float> src = args.Array<float>(8, "src");
  const int64_t sOff = args.Int(9, "srcOffset");
  args.Need(target, "target", tOff, l.outer * l.rows * l.inner);
  args.Need(src, "src", sOff, l.outer * l.n * l.inner);
  if (!args.ok()) return info.Env().Undefined();
  float* pt = target.data + tOff;
  const float* ps = src.data + sOff;
  const StridedTable t = SelectStrided();
  // Threads own disjoint column ranges and add the rows in index order, so repeated indices never
  // race and the sums do not depend on the thread count.
  const int64_t work = l.outer * l.n * l.inner;
  const int want = static_cast<int>(work / kGrain > 0 ? work / kGrain : 1);
  ParallelRun(want, [&](int tid, int nth) {
    int64_t cb, ce;
    StaticPartition(l.inner, nth, tid, 16, &cb, &ce);
    if (cb >= ce) return;
    for (int64_t o = 0; o < l.outer; o++)
      for (int64_t j = 0; j < l.n; j++)
        t.add_row(pt + (o * l.rows + l.idx[j]) * l.inner + cb, ps + (o * l.n + j) * l.inner + cb, ce - cb);
  });
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("copyStridedF32", Napi::Function::New(env, CopyStridedJs, "copyStridedF32"));
  exports.Set("scatterAddRowsF32", Napi::Function::New(env, ScatterAddRowsJs, "scatterAddRowsF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(strided, frugal::Init)
