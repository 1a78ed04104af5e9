// The vector index's native core. Layout (all memory owned by JS typed arrays):
//   vectors  f32 [n, d]        (or codes int8 [n, d] + scales f32 [n] + norms f32 [n] when quantized)
//   nbrs     u32 [n, R]        neighbour lists, fixed stride R, first deg[i] entries valid
//   deg      u32 [n]
//   deleted  u8  [n]           1 = tombstone: traversed, never returned
// Distances are "smaller is closer": l2 = squared L2, ip = -dot, cosine = 1 - dot (unit vectors).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "distance.h"

namespace frugal::search {

enum Metric : int { kL2 = 0, kIp = 1, kCosine = 2 };

struct Neighbor {
  float dist;
  uint32_t id;
  bool checked;
};

struct Graph {
  const float* vecs = nullptr;
  const int8_t* codes = nullptr;
  const float* scales = nullptr;
  const float* norms = nullptr;
  uint32_t n = 0, dim = 0, R = 0;
  int metric = kL2;
  uint32_t* nbrs = nullptr;
  uint32_t* deg = nullptr;
  const uint8_t* deleted = nullptr;
  const DistanceKernels* k = nullptr;

  // Distance from a prepared query (qnorm = |q|^2, used by quantized L2) to stored vector id.
  inline float Dist(const float* q, float qnorm, uint32_t id) const {
    if (codes == nullptr) {
      const float* v = vecs + static_cast<size_t>(id) * dim;
      if (metric == kL2) return k->l2(q, v, dim);
      const float dot = k->dot(q, v, dim);
      return metric == kIp ? -dot : 1.0f - dot;
    }
    const float dot = scales[id] * k->dot_i8(q, codes + static_cast<size_t>(id) * dim, dim);
    if (metric == kL2) return qnorm - 2.0f * dot + norms[id];
    return metric == kIp ? -dot : 1.0f - dot;
  }
  // Pointer to stored vector id as f32 (dequantized into buf when quantized).
  inline const float* Vec(uint32_t id, float* buf) const {
    if (codes == nullptr) return vecs + static_cast<size_t>(id) * dim;
    const int8_t* c = codes + static_cast<size_t>(id) * dim;
    const float s = scales[id];
    for (uint32_t i = 0; i < dim; i++) buf[i] = s * static_cast<float>(c[i]);
    return buf;
  }
  inline float QueryNorm(const float* q) const { return codes != nullptr && metric == kL2 ? k->dot(q, q, dim) : 0.0f; }
  // The row searches read: int8 codes or f32.
  inline const char* Row(uint32_t id) const {
    return codes == nullptr ? reinterpret_cast<const char*>(vecs + static_cast<size_t>(id) * dim)
                            : reinterpret_cast<const char*>(codes + static_cast<size_t>(id) * dim);
  }
  inline size_t RowBytes() const { return codes != nullptr ? size_t{dim} : size_t{dim} * sizeof(float); }
  // The first two lines of a row: issued for every fresh neighbour at once (memory-level parallelism).
  inline void Prefetch(uint32_t id) const {
    const char* p = Row(id);
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
  }
  // The rest of a row, a few rows ahead of the distance loop: all lines up front would exceed the
  // miss buffers, none leaves the distance kernel stalled on lines 3..8 of an f32 row.
  inline void PrefetchRest(uint32_t id) const {
    const char* p = Row(id);
    const size_t bytes = RowBytes();
    for (size_t b = 128; b < bytes; b += 64) __builtin_prefetch(p + b);
  }
  inline void PrefetchNeighbors(uint32_t id) const {
    __builtin_prefetch(nbrs + static_cast<size_t>(id) * R);
    __builtin_prefetch(deg + id);
  }
};

// Sorted candidate list of bounded capacity (the "L list" of NSG/Vamana search).
class CandidateList {
 public:
  explicit CandidateList(uint32_t cap = 0) { Reset(cap); }
  void Reset(uint32_t cap) {
    cap_ = cap;
    items_.resize(cap + 1);
    size_ = 0;
  }
  uint32_t size() const { return size_; }
  uint32_t capacity() const { return cap_; }
  bool Full() const { return size_ >= cap_; }
  float Worst() const { return size_ == 0 ? 3.4e38f : items_[size_ - 1].dist; }
  Neighbor& operator[](uint32_t i) { return items_[i]; }
  const Neighbor& operator[](uint32_t i) const { return items_[i]; }
  void Clear() { size_ = 0; }
  // Inserts if it fits; returns the position or cap when rejected.
  uint32_t Insert(float dist, uint32_t id) {
    if (size_ >= cap_ && dist >= items_[size_ - 1].dist) return cap_;
    uint32_t lo = 0, hi = size_;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) >> 1;
      if (items_[mid].dist <= dist) lo = mid + 1; else hi = mid;
    }
    const uint32_t moved = (size_ < cap_ ? size_ : cap_ - 1) - lo;
    std::copy_backward(items_.begin() + lo, items_.begin() + lo + moved, items_.begin() + lo + moved + 1);
    items_[lo] = Neighbor{dist, id, false};
    if (size_ < cap_) size_++;
    return lo;
  }
  void Truncate(uint32_t n) { size_ = std::min(size_, n); }
  void PushUnsorted(const Neighbor& nb) { items_[size_++] = nb; }
  void Sort() { std::sort(items_.begin(), items_.begin() + size_, [](const Neighbor& a, const Neighbor& b) { return a.dist < b.dist; }); }

 private:
  std::vector<Neighbor> items_;
  uint32_t size_ = 0, cap_ = 0;
};

// Epoch-stamped visited set reused across queries on one thread; TestAndSetShared lets
// Speed-ANN's walkers share one.
class Visited {
 public:
  void Begin(uint32_t n) {
    if (stamps_.size() < n) stamps_.assign(n, 0);
    if (++epoch_ == 0) {
      std::fill(stamps_.begin(), stamps_.end(), 0);
      epoch_ = 1;
    }
  }
  inline void Prefetch(uint32_t id) const { __builtin_prefetch(stamps_.data() + id); }
  inline bool Seen(uint32_t id) const { return __atomic_load_n(&stamps_[id], __ATOMIC_RELAXED) == epoch_; }
  inline bool TestAndSet(uint32_t id) {
    if (stamps_[id] == epoch_) return true;
    stamps_[id] = epoch_;
    return false;
  }
  // Check, then mark, with no locked instruction: two walkers that reach one row at the same
  // moment may both compute its distance (the merge of their results drops the repeat). An
  // atomic exchange on stamps both cores write cost more than those rare repeats (two walkers on
  // clustered 100k x 128: 132-139 against 140-162 us per query, interleaved; notes/search.md).
  inline bool TestAndSetShared(uint32_t id) {
    if (__atomic_load_n(&stamps_[id], __ATOMIC_RELAXED) == epoch_) return true;
    __atomic_store_n(&stamps_[id], epoch_, __ATOMIC_RELAXED);
    return false;
  }

 private:
  std::vector<uint32_t> stamps_;
  uint32_t epoch_ = 0;
};
Visited& ThreadVisited();

// Persistent worker threads for intra-query walkers, batches and builds. Run(t, fn) calls fn(0)
// on the caller and fn(1..t-1) on workers and returns when all are done; calls are serialized.
// A worker that has not started when fn(0) returns is skipped, so fn must share its work (any
// thread may do any part, e.g. an atomic next-item counter) rather than split it by thread id.
void PoolRun(uint32_t threads, const std::function<void(uint32_t)>& fn);
uint32_t PoolHardwareThreads();

// Appends node's neighbours not yet visited (marking them) to `fresh` and prefetches their rows.
// The visited stamps of all neighbours are requested first so that their misses overlap.
inline void CollectFresh(const Graph& g, Visited& visited, uint32_t node, bool shared, std::vector<uint32_t>& fresh) {
  const uint32_t* nb = g.nbrs + static_cast<size_t>(node) * g.R;
  const uint32_t deg = g.deg[node];
  for (uint32_t j = 0; j < deg; j++) visited.Prefetch(nb[j]);
  for (uint32_t j = 0; j < deg; j++) {
    const uint32_t id = nb[j];
    if (shared ? visited.TestAndSetShared(id) : visited.TestAndSet(id)) continue;
    g.Prefetch(id);
    fresh.push_back(id);
  }
}

// Software pipelining across expansions: the rows of the unvisited neighbours of the node most
// likely expanded next are requested one whole expansion ahead (its list was requested one
// expansion before that), so its distance loop finds them in cache instead of waiting on DRAM.
inline void PrefetchAhead(const Graph& g, const Visited& visited, uint32_t node) {
  const uint32_t* nb = g.nbrs + static_cast<size_t>(node) * g.R;
  const uint32_t deg = g.deg[node];
  const size_t bytes = g.RowBytes();
  for (uint32_t j = 0; j < deg; j++) {
    if (visited.Seen(nb[j])) continue;
    const char* p = g.Row(nb[j]);
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(p + b);
  }
}

// How many fresh rows ahead of the distance loop PrefetchRest runs.
constexpr size_t kRestAhead = 2;

// Filter: results must satisfy allow[id] != 0 (when allow is non-null) and not be deleted.
struct SearchParams {
  uint32_t k = 10, L = 64;
  const uint8_t* allow = nullptr;
  uint32_t walkers = 1;      // Speed-ANN walkers per query (1 = classic best-first)
  uint32_t sync_steps = 8;   // initial expansions per walker between synchronisations
  uint32_t warmup_steps = 0; // sequential expansions before walkers start (0 = auto)
};

struct SearchStats {
  uint64_t expansions = 0, distances = 0, rounds = 0;
};

// Top-k of accepted ids seen so far, sorted by distance.
class ResultSet {
 public:
  void Reset(uint32_t k) { list_.Reset(k); }
  inline void Offer(float d, uint32_t id) { list_.Insert(d, id); }
  CandidateList& list() { return list_; }

 private:
  CandidateList list_;
};

void SearchBestFirst(const Graph& g, const float* q, const uint32_t* entries, uint32_t n_entries,
                     const SearchParams& p, ResultSet& out, SearchStats& stats);
void SearchSpeedAnn(const Graph& g, const float* q, const uint32_t* entries, uint32_t n_entries,
                    const SearchParams& p, ResultSet& out, SearchStats& stats);

// Inserts points order[0..count) into the graph (Vamana: greedy search from the entry, robust
// prune with alpha, reverse edges), `threads` at a time.
void BuildInsert(Graph& g, const uint32_t* order, uint32_t count, uint32_t entry, uint32_t L, float alpha,
                 uint32_t threads);

inline bool Accept(const Graph& g, const uint8_t* allow, uint32_t id) {
  return (g.deleted == nullptr || g.deleted[id] == 0) && (allow == nullptr || allow[id] != 0);
}

}  // namespace frugal::search
