// Speed-ANN intra-query parallel search (Peng et al., arXiv:2201.13007). Several walkers expand
// the frontier of one query at once, each from its own sorted queue, in relaxed order; a shared
// visited set keeps them from computing a distance twice. Between rounds walker 0 merges the queues
// into the global list of size L and deals its unexpanded candidates out again (synchronisation).
// Adaptive sync: a round ends early as soon as one walker runs dry, and the per-round step budget
// halves when much of a round's work fell out of the merged list (wasted by relaxed order) and
// doubles when little did. Staged expansion: one walker first, then 2, 4, ... up to `walkers`.
#include <thread>

#include "search.h"

namespace frugal::search {
namespace {

class SpinBarrier {
 public:
  explicit SpinBarrier(uint32_t n) : n_(n) {}
  void Wait() {
    const uint32_t phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    for (uint32_t spin = 0; phase_.load(std::memory_order_acquire) == phase; spin++) {
      if (spin > 4096) std::this_thread::yield();
    }
  }

 private:
  const uint32_t n_;
  std::atomic<uint32_t> arrived_{0};
  std::atomic<uint32_t> phase_{0};
};

struct Shared {
  const Graph& g;
  const float* q;
  float qnorm;
  const SearchParams& p;
  CandidateList& global;
  std::vector<CandidateList>& locals;
  std::vector<ResultSet>& results;
  std::vector<SearchStats>& stats;
  std::vector<uint32_t>& steps;
  SpinBarrier barrier;
  std::atomic<bool> stop{false};
  bool done = false;
  float bound = 3.4e38f;
  uint32_t budget = 8;
  uint32_t active = 2;
  uint32_t walkers = 2;
};

// Expands `node`: offers its unvisited neighbours (closer than `bound`) to `list`. Returns the
// smallest position inserted at.
uint32_t Expand(const Graph& g, const float* q, float qnorm, const uint8_t* allow, uint32_t node, float bound,
                CandidateList& list, ResultSet& res, SearchStats& st, Visited& visited, bool shared) {
  thread_local std::vector<uint32_t> fresh;
  fresh.clear();
  const uint32_t* nb = g.nbrs + static_cast<size_t>(node) * g.R;
  const uint32_t deg = g.deg[node];
  for (uint32_t j = 0; j < deg; j++) {
    const uint32_t id = nb[j];
    if (shared ? visited.TestAndSetShared(id) : visited.TestAndSet(id)) continue;
    g.Prefetch(id);
    fresh.push_back(id);
  }
  uint32_t next = list.capacity();
  for (const uint32_t id : fresh) {
    const float d = g.Dist(q, qnorm, id);
    st.distances++;
    if (Accept(g, allow, id)) res.Offer(d, id);
    if (d >= bound) continue;
    const uint32_t pos = list.Insert(d, id);
    if (pos < next) next = pos;
  }
  return next;
}

// Best-first on `list` for at most `budget` expansions; returns the number done.
uint32_t Walk(Shared& s, uint32_t tid, Visited& visited, uint32_t budget, bool shared, float bound) {
  CandidateList& list = tid == 0 && !shared ? s.global : s.locals[tid];
  uint32_t cur = 0, done = 0;
  while (done < budget) {
    while (cur < list.size() && list[cur].checked) cur++;
    if (cur >= list.size()) {
      if (shared) s.stop.store(true, std::memory_order_relaxed);
      break;
    }
    if (shared && done > 0 && s.stop.load(std::memory_order_relaxed)) break;
    list[cur].checked = true;
    const uint32_t node = list[cur].id;
    s.stats[tid].expansions++;
    done++;
    const uint32_t next = Expand(s.g, s.q, s.qnorm, s.p.allow, node, bound, list, s.results[tid], s.stats[tid],
                                 visited, shared);
    if (next < cur) cur = next;
  }
  return done;
}

// Walker 0, between rounds: deal the global list's unexpanded candidates to the active walkers.
void Distribute(Shared& s) {
  CandidateList& gl = s.global;
  s.bound = gl.Full() ? gl.Worst() : 3.4e38f;
  for (uint32_t w = 0; w < s.walkers; w++) s.locals[w].Clear();
  uint32_t kept = 0, dealt = 0;
  for (uint32_t i = 0; i < gl.size(); i++) {
    if (gl[i].checked) {
      gl[kept++] = gl[i];
    } else {
      s.locals[dealt++ % s.active].PushUnsorted(gl[i]);
    }
  }
  gl.Truncate(kept);
  s.done = dealt == 0;
  s.stop.store(false, std::memory_order_relaxed);
}

// Walker 0, after a round: merge the walkers' queues into the global list and adapt the budget.
void Merge(Shared& s, uint32_t expanded) {
  thread_local std::vector<Neighbor> all;
  all.clear();
  CandidateList& gl = s.global;
  for (uint32_t i = 0; i < gl.size(); i++) all.push_back(gl[i]);
  for (uint32_t w = 0; w < s.active; w++) {
    for (uint32_t i = 0; i < s.locals[w].size(); i++) all.push_back(s.locals[w][i]);
  }
  std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) { return a.dist < b.dist; });
  const uint32_t keep = std::min<uint32_t>(static_cast<uint32_t>(all.size()), gl.capacity());
  gl.Clear();
  for (uint32_t i = 0; i < keep; i++) gl.PushUnsorted(all[i]);
  uint32_t wasted = 0;
  for (size_t i = keep; i < all.size(); i++) wasted += all[i].checked ? 1 : 0;
  if (wasted * 5 > expanded) {
    s.budget = std::max<uint32_t>(1, s.budget / 2);
  } else if (wasted * 20 < expanded) {
    s.budget = std::min<uint32_t>(64, s.budget * 2);
  }
  s.active = std::min(s.walkers, s.active * 2);
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
  thread_local std::vector<CandidateList> locals;
  thread_local std::vector<ResultSet> results;
  thread_local std::vector<SearchStats> wstats;
  thread_local std::vector<uint32_t> steps;
  global.Reset(L);
  locals.resize(W);
  results.resize(W);
  wstats.assign(W, SearchStats{});
  steps.assign(W, 0);
  for (uint32_t w = 0; w < W; w++) {
    locals[w].Reset(L);
    results[w].Reset(p.k);
  }
  Shared s{g, q, g.QueryNorm(q), p, global, locals, results, wstats, steps, SpinBarrier(W)};
  s.walkers = W;
  s.budget = std::max<uint32_t>(1, p.sync_steps);
  s.active = std::min<uint32_t>(W, 2);
  for (uint32_t e = 0; e < n_entries; e++) {
    const uint32_t id = entries[e];
    if (id >= g.n || visited.TestAndSet(id)) continue;
    const float d = g.Dist(q, s.qnorm, id);
    wstats[0].distances++;
    global.Insert(d, id);
    if (Accept(g, p.allow, id)) results[0].Offer(d, id);
  }
  // Stage 1: a single walker while the frontier is still narrow.
  const uint32_t warmup = p.warmup_steps > 0 ? p.warmup_steps : std::max<uint32_t>(2, L / 8);
  Walk(s, 0, visited, warmup, false, 3.4e38f);
  PoolRun(W, [&s, &visited](uint32_t tid) {
    for (;;) {
      if (tid == 0) Distribute(s);
      s.barrier.Wait();
      if (s.done) return;
      s.steps[tid] = tid < s.active ? Walk(s, tid, visited, s.budget, true, s.bound) : 0;
      s.barrier.Wait();
      if (tid == 0) {
        uint32_t expanded = 0;
        for (uint32_t w = 0; w < s.walkers; w++) expanded += s.steps[w];
        Merge(s, expanded);
        s.stats[0].rounds++;
      }
    }
  });
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
