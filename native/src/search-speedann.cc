// Speed-ANN intra-query parallel search (Peng et al., arXiv:2201.13007). Several walkers expand
// the frontier of one query at once in relaxed order, sharing one visited set so no distance is
// computed twice. Synchronisation is asynchronous: a walker locks the global candidate list only
// to merge what it found and to claim its next batch of unexpanded candidates, so a walker that
// the OS deschedules never holds the others at a barrier. The batch size adapts to the frontier:
// wide frontier (many unexpanded candidates per walker) -> larger batches and fewer syncs; narrow
// frontier near convergence -> one candidate per sync, which keeps the order close to best-first.
// Staged expansion: walker 0 alone for the first steps, then every walker.
#include <memory>
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

// The candidates a walker claimed in its last sync. Only the owner rewrites `ids` and `size`, and
// only under the lock; `cursor` hands them out one at a time to the owner and, when another
// walker runs dry, to that walker too (under the lock), so a descheduled walker delays the query
// by at most the one expansion it is in the middle of.
struct alignas(64) Claim {
  std::vector<uint32_t> ids;
  uint32_t size = 0;
  std::atomic<uint32_t> cursor{0};
};

struct Shared {
  const Graph& g;
  const float* q;
  float qnorm;
  const SearchParams& p;
  CandidateList& global;
  std::vector<ResultSet>& results;
  std::vector<SearchStats>& stats;
  Claim* claims;
  uint32_t walkers;
  uint32_t max_batch = 8;
  SpinLock lock;
  // Claimed candidates whose expansion has not been merged yet (changed under the lock).
  std::atomic<uint32_t> in_flight{0};
  // Bumped by every merge that may open new candidates, so idle walkers wait without the lock.
  std::atomic<uint32_t> version{0};
};

// Offers node's unvisited neighbours to the walker's results; those closer than `bound` go to `found`.
void Expand(Shared& s, uint32_t tid, Visited& visited, uint32_t node, float bound, bool shared,
            std::vector<Neighbor>& found) {
  thread_local std::vector<uint32_t> fresh_tls;
  std::vector<uint32_t>& fresh = fresh_tls;
  fresh.clear();
  const Graph& g = s.g;
  CollectFresh(g, visited, node, shared, fresh);
  SearchStats& st = s.stats[tid];
  st.expansions++;
  for (size_t i = 0; i < fresh.size(); i++) {
    if (i + kRestAhead < fresh.size()) g.PrefetchRest(fresh[i + kRestAhead]);
    const uint32_t id = fresh[i];
    const float d = g.Dist(s.q, s.qnorm, id);
    st.distances++;
    if (Accept(g, s.p.allow, id)) s.results[tid].Offer(d, id);
    if (d < bound) found.push_back(Neighbor{d, id, false});
  }
}

// Under the lock: merges `found` (the results of `done` expansions), then claims up to a
// frontier-sized batch of the best unexpanded candidates into the walker's Claim; with none open,
// takes one not-yet-started candidate from another walker's claim into `stolen`.
void SyncLocked(Shared& s, uint32_t tid, std::vector<Neighbor>& found, uint32_t done, uint32_t& stolen) {
  CandidateList& gl = s.global;
  for (const Neighbor& nb : found) gl.Insert(nb.dist, nb.id);
  if (done > 0) {
    s.in_flight.fetch_sub(done, std::memory_order_relaxed);
    s.version.fetch_add(1, std::memory_order_release);
  }
  found.clear();
  Claim& mine = s.claims[tid];
  mine.ids.clear();
  uint32_t open = 0;
  for (uint32_t i = 0; i < gl.size(); i++) open += gl[i].checked ? 0 : 1;
  const uint32_t batch = std::clamp<uint32_t>(open / s.walkers, 1, s.max_batch);
  for (uint32_t i = 0; i < gl.size() && mine.ids.size() < batch; i++) {
    if (gl[i].checked) continue;
    gl[i].checked = true;
    mine.ids.push_back(gl[i].id);
  }
  mine.size = static_cast<uint32_t>(mine.ids.size());
  mine.cursor.store(0, std::memory_order_relaxed);
  s.in_flight.fetch_add(mine.size, std::memory_order_relaxed);
  stolen = UINT32_MAX;
  for (uint32_t w = 0; mine.size == 0 && w < s.walkers; w++) {
    Claim& other = s.claims[w];
    if (w == tid || other.cursor.load(std::memory_order_relaxed) >= other.size) continue;
    const uint32_t at = other.cursor.fetch_add(1, std::memory_order_acq_rel);
    if (at < other.size) stolen = other.ids[at];
  }
}

void Walker(Shared& s, uint32_t tid, Visited& visited) {
  thread_local std::vector<Neighbor> found;
  found.clear();
  Claim& mine = s.claims[tid];
  uint32_t done = 0;
  for (;;) {
    uint32_t stolen;
    s.lock.Lock();
    SyncLocked(s, tid, found, done, stolen);
    done = 0;
    const float bound = s.global.Full() ? s.global.Worst() : kFar;
    const bool idle = mine.size == 0 && stolen == UINT32_MAX;
    const bool finished = idle && s.in_flight.load(std::memory_order_relaxed) == 0;
    const uint32_t seen = s.version.load(std::memory_order_relaxed);
    s.lock.Unlock();
    if (finished) return;
    if (idle) {
      // Another walker's expansions may open candidates; wait for its merge without the lock.
      for (uint32_t spin = 0; s.version.load(std::memory_order_acquire) == seen; spin++) {
        if (spin > 4096) std::this_thread::yield(); else CpuRelax();
      }
      continue;
    }
    s.stats[tid].rounds++;
    if (stolen != UINT32_MAX) {
      Expand(s, tid, visited, stolen, bound, true, found);
      done = 1;
      continue;
    }
    for (uint32_t at = mine.cursor.fetch_add(1, std::memory_order_acq_rel); at < mine.size;
         at = mine.cursor.fetch_add(1, std::memory_order_acq_rel)) {
      // This walker's next expansion is the next id of its claim (unless another walker steals it).
      if (at + 1 < mine.size) PrefetchAhead(s.g, visited, mine.ids[at + 1]);
      Expand(s, tid, visited, mine.ids[at], bound, true, found);
      done++;
    }
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
  thread_local std::unique_ptr<Claim[]> claims;
  thread_local uint32_t claim_slots = 0;
  if (claim_slots < W) {
    claims.reset(new Claim[W]);
    claim_slots = W;
  }
  for (uint32_t w = 0; w < W; w++) {
    claims[w].size = 0;
    claims[w].cursor.store(0, std::memory_order_relaxed);
  }
  Shared s{g, q, g.QueryNorm(q), p, global, results, wstats, claims.get(), W, std::max<uint32_t>(1, p.sync_steps),
           {}, {0}, {0}};
  for (uint32_t e = 0; e < n_entries; e++) {
    const uint32_t id = entries[e];
    if (id >= g.n || visited.TestAndSet(id)) continue;
    const float d = g.Dist(q, s.qnorm, id);
    wstats[0].distances++;
    global.Insert(d, id);
    if (Accept(g, p.allow, id)) results[0].Offer(d, id);
  }
  // Stage 1: walker 0 alone, best-first, while the frontier is still narrow. L/24 (4 at L = 96)
  // measured 5-10% faster than L/8 at recall 0.99 on clustered 100k x 128 (notes/search.md):
  // the frontier is wide enough for two walkers after a few expansions.
  const uint32_t warmup = p.warmup_steps > 0 ? p.warmup_steps : std::max<uint32_t>(2, L / 24);
  thread_local std::vector<Neighbor> found;
  found.clear();
  for (uint32_t step = 0; step < warmup; step++) {
    uint32_t cur = 0;
    while (cur < global.size() && global[cur].checked) cur++;
    if (cur >= global.size()) break;
    global[cur].checked = true;
    for (uint32_t i = cur + 1; i < global.size(); i++) {
      if (global[i].checked) continue;
      PrefetchAhead(g, visited, global[i].id);
      break;
    }
    const float bound = global.Full() ? global.Worst() : kFar;
    Expand(s, 0, visited, global[cur].id, bound, false, found);
    for (const Neighbor& nb : found) global.Insert(nb.dist, nb.id);
    found.clear();
  }
  PoolRun(W, [&s, &visited](uint32_t tid) { Walker(s, tid, visited); });
  out.Reset(p.k);
  CandidateList& merged = out.list();
  for (uint32_t w = 0; w < W; w++) {
    CandidateList& r = results[w].list();
    for (uint32_t i = 0; i < r.size(); i++) {
      // A row both walkers reached at once (Visited::TestAndSetShared) is in both result sets.
      bool repeat = false;
      for (uint32_t j = 0; j < merged.size() && !repeat; j++) repeat = merged[j].id == r[i].id;
      if (!repeat) out.Offer(r[i].dist, r[i].id);
    }
    stats.expansions += wstats[w].expansions;
    stats.distances += wstats[w].distances;
    stats.rounds += wstats[w].rounds;
  }
}

}  // namespace frugal::search
