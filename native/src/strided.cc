// JS entry points for copies between strided f32 views, select (where) over strided views, and
// gathering and scatter-adding rows along one axis (embedding lookups and their gradients). Layout: a tensor
// viewed as [outer, rows, inner] around the indexed axis; indices are i32 and bounds-checked
// before anything is written.
// JS: copyStridedF32, whereF32, gatherRowsF32, scatterAddRowsF32 (argument order in src/backend/native/binding.ts).
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

// out (contiguous) = cond ? a : b over views of one shape; cond is bool (one byte per element).
// Broadcast operands arrive as stride-0 views.
Napi::Value WhereJs(const Napi::CallbackInfo& info) {
  Args args(info, "whereF32");
  const std::vector<int64_t> shape = ReadInts(args, 0, "shape", -1);
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (args.ok() && rank > kMaxRank) args.Fail("rank must be <= " + std::to_string(kMaxRank));
  const ArrayArg<uint8_t> cond = args.Array<uint8_t>(1, "cond");
  const int64_t cOff = args.Int(2, "condOffset");
  const std::vector<int64_t> cs = ReadInts(args, 3, "condStrides", rank);
  const ArrayArg<float> a = args.Array<float>(4, "a");
  const int64_t aOff = args.Int(5, "aOffset");
  const std::vector<int64_t> as = ReadInts(args, 6, "aStrides", rank);
  const ArrayArg<float> b = args.Array<float>(7, "b");
  const int64_t bOff = args.Int(8, "bOffset");
  const std::vector<int64_t> bs = ReadInts(args, 9, "bStrides", rank);
  const ArrayArg<float> out = args.Array<float>(10, "out");
  const int64_t oOff = args.Int(11, "outOffset");
  if (!args.ok()) return info.Env().Undefined();
  int64_t total = 1;
  for (int64_t i = 0; i < rank; i++) {
    if (shape[i] < 0) {
      args.Fail("shape entries must be >= 0");
      return info.Env().Undefined();
    }
    total *= shape[i];
  }
  if (total == 0) return info.Env().Undefined();
  // Each view's reach, checked against its array before any element is read.
  const auto check = [&](const std::vector<int64_t>& st, int64_t off, int64_t length, const char* name) {
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < rank; i++) {
      const int64_t span = st[i] * (shape[i] - 1);
      if (span < 0) lo += span;
      else hi += span;
    }
    if (args.ok() && (off + lo < 0 || off + hi >= length))
      args.Fail(std::string("argument '") + name + "' is too short for its offset, shape and strides");
  };
  check(cs, cOff, cond.length, "cond");
  check(as, aOff, a.length, "a");
  check(bs, bOff, b.length, "b");
  args.Need(out, "out", oOff, total);
  if (!args.ok()) return info.Env().Undefined();
  const int64_t inner = rank > 0 ? shape[rank - 1] : 1;
  const int64_t ci = rank > 0 ? cs[rank - 1] : 0, ai = rank > 0 ? as[rank - 1] : 0, bi = rank > 0 ? bs[rank - 1] : 0;
  const uint8_t* pc = cond.data + cOff;
  const float* pa = a.data + aOff;
  const float* pb = b.data + bOff;
  float* po = out.data + oOff;
  ParallelFor(total / inner, inner >= kGrain ? 1 : kGrain / inner, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; r++) {
      int64_t rem = r, co = 0, ao = 0, bo = 0;
      for (int64_t d = rank - 2; d >= 0; d--) {
        const int64_t k = rem % shape[d];
        rem /= shape[d];
        co += k * cs[d];
        ao += k * as[d];
        bo += k * bs[d];
      }
      float* dst = po + r * inner;
      for (int64_t j = 0; j < inner; j++) dst[j] = pc[co + j * ci] ? pa[ao + j * ai] : pb[bo + j * bi];
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

// The arguments both row entries share: (table, tableOffset, outer, rows, inner, indices,
// indicesOffset, n, rowsArg, rowsOffset), the table [outer, rows, inner] and the picked rows
// [outer, n, inner], all checked.
struct RowsCall {
  RowsLayout l;
  float* table = nullptr;
  float* picked = nullptr;
};

RowsCall ReadRowsCall(Args& args, const char* tableName, const char* pickedName) {
  RowsCall c;
  const ArrayArg<float> table = args.Array<float>(0, tableName);
  const int64_t tOff = args.Int(1, (std::string(tableName) + "Offset").c_str());
  c.l = ReadRowsLayout(args, 2);
  const ArrayArg<float> picked = args.Array<float>(8, pickedName);
  const int64_t pOff = args.Int(9, (std::string(pickedName) + "Offset").c_str());
  args.Need(table, tableName, tOff, c.l.outer * c.l.rows * c.l.inner);
  args.Need(picked, pickedName, pOff, c.l.outer * c.l.n * c.l.inner);
  if (args.ok()) {
    c.table = table.data + tOff;
    c.picked = picked.data + pOff;
  }
  return c;
}

int RowsThreads(const RowsLayout& l) {
  const int64_t work = l.outer * l.n * l.inner;
  return static_cast<int>(work / kGrain > 0 ? work / kGrain : 1);
}

Napi::Value ScatterAddRowsJs(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAddRowsF32");
  const RowsCall c = ReadRowsCall(args, "target", "src");
  if (!args.ok()) return info.Env().Undefined();
  const RowsLayout& l = c.l;
  const StridedTable t = SelectStrided();
  // Threads own disjoint column ranges and add the rows in index order, so repeated indices never
  // race and the sums do not depend on the thread count.
  ParallelRun(RowsThreads(l), [&](int tid, int nth) {
    int64_t cb, ce;
    StaticPartition(l.inner, nth, tid, 16, &cb, &ce);
    if (cb >= ce) return;
    for (int64_t o = 0; o < l.outer; o++)
      for (int64_t j = 0; j < l.n; j++)
        t.add_row(c.table + (o * l.rows + l.idx[j]) * l.inner + cb, c.picked + (o * l.n + j) * l.inner + cb, ce - cb);
  });
  return info.Env().Undefined();
}

Napi::Value GatherRowsJs(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRowsF32");
  const RowsCall c = ReadRowsCall(args, "table", "out");
  if (!args.ok()) return info.Env().Undefined();
  const RowsLayout& l = c.l;
  const size_t bytes = static_cast<size_t>(l.inner) * sizeof(float);
  ParallelRun(RowsThreads(l), [&](int tid, int nth) {
    int64_t jb, je;
    StaticPartition(l.outer * l.n, nth, tid, 1, &jb, &je);
    for (int64_t r = jb; r < je; r++) {
      const int64_t o = r / l.n, j = r % l.n;
      std::memcpy(c.picked + r * l.inner, c.table + (o * l.rows + l.idx[j]) * l.inner, bytes);
    }
  });
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("copyStridedF32", Napi::Function::New(env, CopyStridedJs, "copyStridedF32"));
  exports.Set("whereF32", Napi::Function::New(env, WhereJs, "whereF32"));
  exports.Set("gatherRowsF32", Napi::Function::New(env, GatherRowsJs, "gatherRowsF32"));
  exports.Set("scatterAddRowsF32", Napi::Function::New(env, ScatterAddRowsJs, "scatterAddRowsF32"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(strided, frugal::Init)
