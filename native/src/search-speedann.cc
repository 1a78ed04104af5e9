// Speed-ANN intra-query parallel search (Peng et al., arXiv:2201.13007). Several walkers expand
// the frontier of one query at once in relaxed order, sharing one visited set so no distance is
// computed twice. Synchronisation is asynchronous: a walker locks the global candidate list only
// to merge what it found and to claim its next batch of unexpanded candidates, so a walker that
// the OS deschedules never holds the others at a barrier. The batch size adapts to the frontier:
// wide frontier (many unexpanded candidates per walker) -> larger batches and fewer syncs; narrow
// frontier near convergence -> one candidate per sync, which keeps the order close to best-first.
// Staged expansion: walker 0 alone for the first steps, then every walker.
#include <thread>

#include "search.h"

namespace frugal::search {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class SpinLock {
 public:
  void Lock() {
    for (uint32_t spin = 0;; spin++) {
      if (!held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire)) return;
      if (spin > 256) std::this_thread::yield(); else CpuRelax();
    }
  }
  void Unlock() { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

constexpr float kFar = 3.4e38f;

struct Shared {
  const Graph& g;
  const float* q;
  float qnorm;
  const SearchParams& p;
  CandidateList& global;
  std::vector<ResultSet>& results;
  std::vector<SearchStats>& stats;
  SpinLock lock;
  uint32_t in_flight = 0;  // walkers holding claimed candidates not merged back yet (under lock)
  uint32_t max_batch = 8;
};

// Offers node's unvisited neighbours to the walker's results; those closer than `bound` go to `found`.
void Expand(Shared& s, uint32_t tid, Visited& visited, uint32_t node, float bound, bool shared,
            std::vector<Neighbor>& found) {
  thread_local std::vector<uint32_t> fresh;
  fresh.clear();
  const Graph& g = s.g;
  const uint32_t* nb = g.nbrs + static_cast<size_t>(node) * g.R;
  const uint32_t deg = g.deg[node];
  for (uint32_t j = 0; j < deg; j++) {
    const uint32_t id = nb[j];
    if (shared ? visited.TestAndSetShared(id) : visited.TestAndSet(id)) continue;
    g.Prefetch(id);
    fresh.push_back(id);
  }
  SearchStats& st = s.stats[tid];
  st.expansions++;
  for (const uint32_t id : fresh) {
    const float d = g.Dist(s.q, s.qnorm, id);
    st.distances++;
    if (Accept(g, s.p.allow, id)) s.results[tid].Offer(d, id);
    if (d < bound) found.push_back(Neighbor{d, id, false});
  }
}

// Under the lock: merges `found`, then claims up to a frontier-sized batch of the best unexpanded
// candidates into `claimed`. Returns the bound for the next expansions.
float SyncLocked(Shared& s, std::vector<Neighbor>& found, std::vector<uint32_t>& claimed, uint32_t walkers) {
  CandidateList& gl = s.global;
  for (const Neighbor& nb : found) gl.Insert(nb.dist, nb.id);
  found.clear();
  claimed.clear();
  uint32_t open = 0;
  for (uint32_t i = 0; i < gl.size(); i++) open += gl[i].checked ? 0 : 1;
  const uint32_t batch = std::clamp<uint32_t>(open / walkers, 1, s.max_batch);
  for (uint32_t i = 0; i < gl.size() && claimed.size() < batch; i++) {
    if (gl[i].checked) continue;
    gl[i].checked = true;
    claimed.push_back(gl[i].id);
  }
  return gl.Full() ? gl.Worst() : kFar;
}

void Walker(Shared& s, uint32_t tid, uint32_t walkers, Visited& visited) {
  thread_local std::vector<Neighbor> found;
  thread_local std::vector<uint32_t> claimed;
  found.clear();
  bool holding = false;
  for (;;) {
    s.lock.Lock();
    if (holding) s.in_flight--;
    const float bound = SyncLocked(s, found, claimed, walkers);
    holding = !claimed.empty();
    if (holding) s.in_flight++;
    const bool finished = !holding && s.in_flight == 0;
    s.lock.Unlock();
    if (finished) return;
    if (!holding) {
      // Another walker's expansions may still add candidates; wait for them without the lock.
      CpuRelax();
      continue;
    }
    s.stats[tid].rounds++;
    for (const uint32_t node : claimed) Expand(s, tid, visited, node, bound, true, found);
  }
}

}  // namespace

void SearchSpeedAnn(const Graph& g, const float* q, const uint32_t* entries, uint32_t n_entries,
                    const SearchParams& p, ResultSet& out, SearchStats& stats) {
  const uint32_t W = std::max<uint32_t>(1, p.walkers);
  if (W == 1) {
    SearchBestFirst(g, q, entries, n_entries, p, out, stats);
    return;
  }
  Visited& visited = ThreadVisited();
  visited.Begin(g.n);
  const uint32_t L = std::max(p.L, p.k);
  thread_local CandidateList global;
  thread_local std::vector<ResultSet> results;
  thread_local std::vector<SearchStats> wstats;
  global.Reset(L);
  results.resize(W);
  wstats.assign(W, SearchStats{});
  for (uint32_t w = 0; w < W; w++) results[w].Reset(p.k);
  Shared s{g, q, g.QueryNorm(q), p, global, results, wstats};
  s.max_batch = std::max<uint32_t>(1, p.sync_steps);
  for (uint32_t e = 0; e < n_entries; e++) {
    const uint32_t id = entries[e];
    if (id >= g.n || visited.TestAndSet(id)) continue;
    const float d = g.Dist(q, s.qnorm, id);
    wstats[0].distances++;
    global.Insert(d, id);
    if (Accept(g, p.allow, id)) results[0].Offer(d, id);
  }
  // Stage 1: walker 0 alone, best-first, while the frontier is still narrow.
  const uint32_t warmup = p.warmup_steps > 0 ? p.warmup_steps : std::max<uint32_t>(2, L / 8);
  thread_local std::vector<Neighbor> found;
  found.clear();
  for (uint32_t step = 0; step < warmup; step++) {
    uint32_t cur = 0;
    while (cur < global.size() && global[cur].checked) cur++;
    if (cur >= global.size()) break;
    global[cur].checked = true;
    const float bound = global.Full() ? global.Worst() : kFar;
    Expand(s, 0, visited, global[cur].id, bound, false, found);
    for (const Neighbor& nb : found) global.Insert(nb.dist, nb.id);
    found.clear();
  }
  PoolRun(W, [&s, &visited, W](uint32_t tid) { Walker(s, tid, W, visited); });
  out.Reset(p.k);
  for (uint32_t w = 0; w < W; w++) {
    CandidateList& r = results[w].list();
    for (uint32_t i = 0; i < r.size(); i++) out.Offer(r[i].dist, r[i].id);
    stats.expansions += wstats[w].expansions;
    stats.distances += wstats[w].distances;
    stats.rounds += wstats[w].rounds;
  }
}

}  // namespace frugal::search
