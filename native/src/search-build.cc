// Vamana-style graph construction (DiskANN, Subramanya et al. 2019), parallel: each worker takes
// the next point, finds its candidates by greedy search from the entry, keeps a diverse subset
// with alpha-robust pruning, then adds reverse edges (re-pruning full lists). Per-node spin locks
// guard neighbour lists, which readers copy under the lock.
#include <algorithm>
#include <limits>
#include <memory>

#include "search.h"

namespace frugal::search {
namespace {

class NodeLocks {
 public:
  explicit NodeLocks(uint32_t n) : flags_(new std::atomic<uint8_t>[n]) {
    for (uint32_t i = 0; i < n; i++) flags_[i].store(0, std::memory_order_relaxed);
  }
  void Lock(uint32_t i) {
    while (flags_[i].exchange(1, std::memory_order_acquire) != 0) {
    }
  }
  void Unlock(uint32_t i) { flags_[i].store(0, std::memory_order_release); }

 private:
  std::unique_ptr<std::atomic<uint8_t>[]> flags_;
};

// Keeps at most R of `cands` (distances to the point being linked). A kept neighbour r occludes a
// candidate c at level a when a * d(c, r) <= d(p, c). As in DiskANN, the first round keeps what
// nothing occludes at a = 1; while fewer than R are kept, each further round raises a by 1.2x (up to
// alpha) and adds what is still not occluded. A single round at alpha would fill the R slots with
// the nearest candidates and drop the long edges that make the graph navigable.
void RobustPrune(const Graph& g, uint32_t p, std::vector<Neighbor>& cands, float alpha, std::vector<uint32_t>& out) {
  constexpr uint32_t kKept = UINT32_MAX;
  std::sort(cands.begin(), cands.end(), [](const Neighbor& a, const Neighbor& b) { return a.dist < b.dist; });
  thread_local std::vector<float> buf, nearestKept;
  thread_local std::vector<uint32_t> folded;  // kept neighbours already compared with each candidate
  buf.resize(g.dim);
  nearestKept.assign(cands.size(), std::numeric_limits<float>::infinity());
  folded.assign(cands.size(), 0);
  out.clear();
  for (float a = 1.0f;; a = std::min(alpha, a * 1.2f)) {
    for (size_t i = 0; i < cands.size() && out.size() < g.R; i++) {
      const Neighbor& c = cands[i];
      if (folded[i] == kKept || c.id == p || std::find(out.begin(), out.end(), c.id) != out.end()) continue;
      bool occluded = a * nearestKept[i] <= c.dist;
      if (!occluded && folded[i] < out.size()) {
        const float* cv = g.Vec(c.id, buf.data());
        const float cn = g.QueryNorm(cv);
        while (!occluded && folded[i] < out.size()) {
          nearestKept[i] = std::min(nearestKept[i], g.Dist(cv, cn, out[folded[i]++]));
          occluded = a * nearestKept[i] <= c.dist;
        }
      }
      if (!occluded) {
        out.push_back(c.id);
        folded[i] = kKept;
      }
    }
    if (out.size() >= g.R || a >= alpha) break;
  }
}

void InsertPoint(Graph& g, uint32_t p, uint32_t entry, uint32_t L, float alpha, NodeLocks& locks) {
  thread_local std::vector<float> qbuf;
  thread_local std::vector<Neighbor> cands;
  thread_local std::vector<uint32_t> out, nb;
  thread_local CandidateList list;
  qbuf.resize(g.dim);
  const float* pv = g.Vec(p, qbuf.data());
  if (pv != qbuf.data()) std::copy(pv, pv + g.dim, qbuf.begin());
  const float* q = qbuf.data();
  const float qn = g.QueryNorm(q);
  Visited& visited = ThreadVisited();
  visited.Begin(g.n);
  list.Reset(L);
  cands.clear();
  visited.TestAndSet(p);
  if (!visited.TestAndSet(entry)) list.Insert(g.Dist(q, qn, entry), entry);
  uint32_t cur = 0;
  while (cur < list.size()) {
    if (list[cur].checked) {
      cur++;
      continue;
    }
    list[cur].checked = true;
    const uint32_t node = list[cur].id;
    cands.push_back(list[cur]);
    locks.Lock(node);
    nb.assign(g.nbrs + static_cast<size_t>(node) * g.R, g.nbrs + static_cast<size_t>(node) * g.R + g.deg[node]);
    locks.Unlock(node);
    uint32_t next = list.size();
    for (const uint32_t id : nb) {
      if (visited.TestAndSet(id)) continue;
      const uint32_t pos = list.Insert(g.Dist(q, qn, id), id);
      if (pos < next) next = pos;
    }
    cur = next <= cur ? next : cur + 1;
  }
  for (uint32_t i = 0; i < list.size(); i++) {
    if (!list[i].checked) cands.push_back(list[i]);
  }
  RobustPrune(g, p, cands, alpha, out);
  locks.Lock(p);
  std::copy(out.begin(), out.end(), g.nbrs + static_cast<size_t>(p) * g.R);
  g.deg[p] = static_cast<uint32_t>(out.size());
  locks.Unlock(p);
  thread_local std::vector<uint32_t> pruned;
  thread_local std::vector<float> jbuf;
  jbuf.resize(g.dim);
  for (const uint32_t j : out) {
    locks.Lock(j);
    uint32_t* lj = g.nbrs + static_cast<size_t>(j) * g.R;
    const uint32_t dj = g.deg[j];
    if (std::find(lj, lj + dj, p) != lj + dj) {
      locks.Unlock(j);
      continue;
    }
    if (dj < g.R) {
      lj[dj] = p;
      g.deg[j] = dj + 1;
      locks.Unlock(j);
      continue;
    }
    const float* jv = g.Vec(j, jbuf.data());
    const float jn = g.QueryNorm(jv);
    cands.clear();
    for (uint32_t i = 0; i < dj; i++) cands.push_back(Neighbor{g.Dist(jv, jn, lj[i]), lj[i], false});
    cands.push_back(Neighbor{g.Dist(jv, jn, p), p, false});
    RobustPrune(g, j, cands, alpha, pruned);
    std::copy(pruned.begin(), pruned.end(), lj);
    g.deg[j] = static_cast<uint32_t>(pruned.size());
    locks.Unlock(j);
  }
}

}  // namespace

void BuildInsert(Graph& g, const uint32_t* order, uint32_t count, uint32_t entry, uint32_t L, float alpha,
                 uint32_t threads) {
  NodeLocks locks(g.n);
  std::atomic<uint32_t> next{0};
  PoolRun(threads, [&](uint32_t) {
    for (uint32_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) InsertPoint(g, order[i], entry, L, alpha, locks);
  });
}

}  // namespace frugal::search
