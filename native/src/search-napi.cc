// JS surface of the vector index. The graph arrives as a plain object of typed arrays owned by JS:
// { vectors?: Float32Array, codes?: Int8Array, scales?, norms?: Float32Array, n, dim, R, metric,
//   neighbors: Uint32Array, degrees: Uint32Array, deleted?: Uint8Array }.
// Async variants run on a libuv worker and keep references to every array until they finish.
#include <napi.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "frugal/registry.h"
#include "search.h"

namespace frugal::search {
namespace {

template <typename T>
T* Data(const Napi::Value& v) {
  if (!v.IsTypedArray()) return nullptr;
  auto ta = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}

uint32_t U32(const Napi::Object& o, const char* key, uint32_t fallback) {
  const Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}

Graph ParseGraph(const Napi::Object& o) {
  Graph g;
  g.vecs = Data<float>(o.Get("vectors"));
  g.codes = Data<int8_t>(o.Get("codes"));
  g.scales = Data<float>(o.Get("scales"));
  g.norms = Data<float>(o.Get("norms"));
  g.n = U32(o, "n", 0);
  g.dim = U32(o, "dim", 0);
  g.R = U32(o, "R", 0);
  g.metric = static_cast<int>(U32(o, "metric", kL2));
  g.nbrs = Data<uint32_t>(o.Get("neighbors"));
  g.deg = Data<uint32_t>(o.Get("degrees"));
  g.deleted = Data<uint8_t>(o.Get("deleted"));
  g.k = ActiveKernels();
  return g;
}

// HNSW-style levels above the base graph, top first: `upper` objects nest, each with `lower`
// (u32: its row -> the row of the level below) and `entry` (its medoid).
struct Level {
  Graph g;
  const uint32_t* lower;
  uint32_t entry;
};

std::vector<Level> ParseLevels(const Napi::Object& base) {
  std::vector<Level> levels;
  Napi::Value v = base.Get("upper");
  while (v.IsObject()) {
    const Napi::Object o = v.As<Napi::Object>();
    levels.push_back(Level{ParseGraph(o), Data<uint32_t>(o.Get("lower")), U32(o, "entry", 0)});
    v = o.Get("upper");
  }
  std::reverse(levels.begin(), levels.end());
  return levels;
}

// Greedy descent through the levels above: each level's best `kStartRows` rows (list size
// kStartRows, close to HNSW's greedy ef = 1) become the next level's start rows; returns how many
// were written to `out`. A list of 16 cost ~11% of a one-walker query at recall 0.99 on
// clustered 100k x 128 (284 -> 253 us, interleaved, notes/search.md) for the same recall.
constexpr uint32_t kStartRows = 4;
uint32_t Descend(const std::vector<Level>& levels, const float* q, uint32_t* out) {
  uint32_t entries[kStartRows] = {levels.empty() ? 0 : levels[0].entry};
  uint32_t n_entries = 1;
  SearchParams p;
  p.k = kStartRows;
  p.L = kStartRows;
  thread_local ResultSet res;
  for (const Level& lv : levels) {
    SearchStats st;
    SearchBestFirst(lv.g, q, entries, n_entries, p, res, st);
    CandidateList& r = res.list();
    n_entries = 0;
    for (uint32_t i = 0; i < r.size(); i++) entries[n_entries++] = lv.lower[r[i].id];
  }
  std::copy(entries, entries + n_entries, out);
  return n_entries;
}

// Runs `work` on the libuv pool and resolves with undefined; `keep` pins the JS arrays.
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::function<void()> work, const std::vector<Napi::Value>& keep)
      : Napi::AsyncWorker(env), work_(std::move(work)), deferred_(Napi::Promise::Deferred::New(env)) {
    for (const auto& v : keep) {
      if (v.IsObject()) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    }
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override { work_(); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::function<void()> work_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> refs_;
};

Napi::Value Finish(const Napi::CallbackInfo& info, bool async, std::function<void()> work) {
  if (!async) {
    work();
    return info.Env().Undefined();
  }
  std::vector<Napi::Value> keep;
  for (size_t i = 0; i < info.Length(); i++) keep.push_back(info[i]);
  auto* job = new Job(info.Env(), std::move(work), keep);
  job->Queue();
  return job->Promise();
}

// searchKernel(level, op, a, b, d): one kernel call, for testing every ISA level against scalar.
Napi::Value Kernel(const Napi::CallbackInfo& info) {
  const DistanceKernels* k = KernelsFor(info[0].As<Napi::Number>().Int32Value());
  if (k == nullptr) return info.Env().Null();
  const std::string op = info[1].As<Napi::String>();
  const float* a = Data<float>(info[2]);
  const uint32_t d = info[4].As<Napi::Number>().Uint32Value();
  float r = 0;
  if (op == "l2") r = k->l2(a, Data<float>(info[3]), d);
  else if (op == "dot") r = k->dot(a, Data<float>(info[3]), d);
  else r = k->dot_i8(a, Data<int8_t>(info[3]), d);
  return Napi::Number::New(info.Env(), r);
}

Napi::Value Isa(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("active", ActiveKernels()->isa);
  o.Set("level", ActiveLevel());
  o.Set("hardwareThreads", PoolHardwareThreads());
  return o;
}

// searchBuild(graph, order: Uint32Array, count, entry, L, alpha, threads, async)
Napi::Value Build(const Napi::CallbackInfo& info) {
  Graph g = ParseGraph(info[0].As<Napi::Object>());
  const uint32_t* order = Data<uint32_t>(info[1]);
  const uint32_t count = info[2].As<Napi::Number>().Uint32Value();
  const uint32_t entry = info[3].As<Napi::Number>().Uint32Value();
  const uint32_t L = info[4].As<Napi::Number>().Uint32Value();
  const float alpha = info[5].As<Napi::Number>().FloatValue();
  const uint32_t threads = info[6].As<Napi::Number>().Uint32Value();
  return Finish(info, info[7].ToBoolean(), [=]() mutable { BuildInsert(g, order, count, entry, L, alpha, threads); });
}

// searchQuery(graph, queries, nq, opts, entries, allow, outIds, outDists, outStats: Float64Array(3), async)
// opts: { k, L, walkers, syncSteps, warmupSteps, threads, entriesPerQuery }. Unfilled result slots get id 0xffffffff.
Napi::Value Query(const Napi::CallbackInfo& info) {
  const Graph g = ParseGraph(info[0].As<Napi::Object>());
  const std::vector<Level> levels = ParseLevels(info[0].As<Napi::Object>());
  const float* queries = Data<float>(info[1]);
  const uint32_t nq = info[2].As<Napi::Number>().Uint32Value();
  const Napi::Object o = info[3].As<Napi::Object>();
  SearchParams p;
  p.k = U32(o, "k", 10);
  p.L = U32(o, "L", 64);
  p.walkers = U32(o, "walkers", 1);
  p.sync_steps = U32(o, "syncSteps", 8);
  p.warmup_steps = U32(o, "warmupSteps", 0);
  const uint32_t threads = std::max<uint32_t>(1, U32(o, "threads", 1));
  const uint32_t* entries = Data<uint32_t>(info[4]);
  // entriesPerQuery > 0: query qi starts from entries[qi * E, (qi + 1) * E) (found by the levels above).
  const uint32_t per_query = U32(o, "entriesPerQuery", 0);
  const uint32_t n_entries = per_query > 0 ? per_query : info[4].As<Napi::TypedArray>().ElementLength();
  p.allow = Data<uint8_t>(info[5]);
  uint32_t* out_ids = Data<uint32_t>(info[6]);
  float* out_d = Data<float>(info[7]);
  double* out_stats = Data<double>(info[8]);
  auto one = [=](uint32_t qi, SearchStats& st) {
    // Per thread, not per query: a query at high recall takes a few hundred microseconds, and
    // every heap allocation on its path shows.
    thread_local ResultSet res;
    const float* q = queries + static_cast<size_t>(qi) * g.dim;
    const uint32_t* e = per_query > 0 ? entries + static_cast<size_t>(qi) * per_query : entries;
    uint32_t n_e = n_entries;
    uint32_t start[kStartRows];
    if (!levels.empty()) {
      n_e = Descend(levels, q, start);
      e = start;
    }
    if (p.walkers > 1) SearchSpeedAnn(g, q, e, n_e, p, res, st);
    else SearchBestFirst(g, q, e, n_e, p, res, st);
    CandidateList& r = res.list();
    for (uint32_t i = 0; i < p.k; i++) {
      out_ids[static_cast<size_t>(qi) * p.k + i] = i < r.size() ? r[i].id : 0xffffffffu;
      out_d[static_cast<size_t>(qi) * p.k + i] = i < r.size() ? r[i].dist : 3.4e38f;
    }
  };
  return Finish(info, info[9].ToBoolean(), [=]() {
    std::vector<SearchStats> stats(threads);
    if (p.walkers > 1 || threads == 1) {
      for (uint32_t qi = 0; qi < nq; qi++) one(qi, stats[0]);
    } else {
      std::atomic<uint32_t> next{0};
      PoolRun(threads, [&](uint32_t tid) {
        for (uint32_t qi = next.fetch_add(1); qi < nq; qi = next.fetch_add(1)) one(qi, stats[tid]);
      });
    }
    SearchStats total;
    for (const auto& s : stats) {
      total.expansions += s.expansions;
      total.distances += s.distances;
      total.rounds += s.rounds;
    }
    out_stats[0] = static_cast<double>(total.expansions);
    out_stats[1] = static_cast<double>(total.distances);
    out_stats[2] = static_cast<double>(total.rounds);
  });
}

// searchExact(graph, queries, nq, k, candidates: Uint32Array | null, allow, outIds, outDists, threads, async):
// brute force over all points (or over `candidates`), skipping deleted and filtered-out ones.
Napi::Value Exact(const Napi::CallbackInfo& info) {
  const Graph g = ParseGraph(info[0].As<Napi::Object>());
  const float* queries = Data<float>(info[1]);
  const uint32_t nq = info[2].As<Napi::Number>().Uint32Value();
  const uint32_t k = info[3].As<Napi::Number>().Uint32Value();
  const uint32_t* cands = Data<uint32_t>(info[4]);
  const uint32_t nc = cands == nullptr ? g.n : info[4].As<Napi::TypedArray>().ElementLength();
  const uint8_t* allow = Data<uint8_t>(info[5]);
  uint32_t* out_ids = Data<uint32_t>(info[6]);
  float* out_d = Data<float>(info[7]);
  const uint32_t threads = std::max<uint32_t>(1, info[8].As<Napi::Number>().Uint32Value());
  return Finish(info, info[9].ToBoolean(), [=]() {
    std::atomic<uint32_t> next{0};
    PoolRun(threads, [&](uint32_t) {
      ResultSet res;
      for (uint32_t qi = next.fetch_add(1); qi < nq; qi = next.fetch_add(1)) {
        res.Reset(k);
        const float* q = queries + static_cast<size_t>(qi) * g.dim;
        const float qn = g.QueryNorm(q);
        for (uint32_t c = 0; c < nc; c++) {
          const uint32_t id = cands == nullptr ? c : cands[c];
          if (id < g.n && Accept(g, allow, id)) res.Offer(g.Dist(q, qn, id), id);
        }
        CandidateList& r = res.list();
        for (uint32_t i = 0; i < k; i++) {
          out_ids[static_cast<size_t>(qi) * k + i] = i < r.size() ? r[i].id : 0xffffffffu;
          out_d[static_cast<size_t>(qi) * k + i] = i < r.size() ? r[i].dist : 3.4e38f;
        }
      }
    });
  });
}

// searchHugePages(array): asks the kernel to back the 2 MiB-aligned interior of a large typed
// array with huge pages (MADV_HUGEPAGE, then MADV_COLLAPSE for the pages already touched). Graph
// search reads rows at random, so with 4 KiB pages nearly every row read is a TLB miss, and under
// virtualisation a TLB miss is a two-level page walk. Returns the bytes collapsed (0 where the
// kernel cannot).
Napi::Value HugePages(const Napi::CallbackInfo& info) {
  double collapsed = 0;
#ifdef __linux__
  if (info[0].IsTypedArray()) {
    constexpr uintptr_t kHuge = uintptr_t{2} << 20;
    const uintptr_t begin = reinterpret_cast<uintptr_t>(Data<uint8_t>(info[0]));
    const uintptr_t end = begin + info[0].As<Napi::TypedArray>().ByteLength();
    const uintptr_t a = (begin + kHuge - 1) & ~(kHuge - 1), b = end & ~(kHuge - 1);
    constexpr int kCollapse = 25;  // MADV_COLLAPSE (Linux 6.1), absent from older headers
    if (b > a) {
      void* p = reinterpret_cast<void*>(a);
      madvise(p, b - a, MADV_HUGEPAGE);
      if (madvise(p, b - a, kCollapse) == 0) collapsed = static_cast<double>(b - a);
    }
  }
#endif
  return Napi::Number::New(info.Env(), collapsed);
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("searchHugePages", Napi::Function::New(env, HugePages, "searchHugePages"));
  exports.Set("searchKernel", Napi::Function::New(env, Kernel, "searchKernel"));
  exports.Set("searchIsa", Napi::Function::New(env, Isa, "searchIsa"));
  exports.Set("searchBuild", Napi::Function::New(env, Build, "searchBuild"));
  exports.Set("searchQuery", Napi::Function::New(env, Query, "searchQuery"));
  exports.Set("searchExact", Napi::Function::New(env, Exact, "searchExact"));
}

}  // namespace
}  // namespace frugal::search

FRUGAL_MODULE(search, frugal::search::Init)
