// Classic best-first (beam) search over the graph: expand the closest unexpanded candidate of a
// sorted list of size L until every candidate in the list has been expanded.
#include "search.h"

namespace frugal::search {

void SearchBestFirst(const Graph& g, const float* q, const uint32_t* entries, uint32_t n_entries,
                     const SearchParams& p, ResultSet& out, SearchStats& stats) {
  Visited& visited = ThreadVisited();
  visited.Begin(g.n);
  const float qnorm = g.QueryNorm(q);
  thread_local CandidateList list;
  list.Reset(std::max(p.L, p.k));
  out.Reset(p.k);
  for (uint32_t e = 0; e < n_entries; e++) {
    const uint32_t id = entries[e];
    if (id >= g.n || visited.TestAndSet(id)) continue;
    const float d = g.Dist(q, qnorm, id);
    stats.distances++;
    list.Insert(d, id);
    if (Accept(g, p.allow, id)) out.Offer(d, id);
  }
  uint32_t cur = 0;
  thread_local std::vector<uint32_t> fresh_tls;
  std::vector<uint32_t>& fresh = fresh_tls;
  while (cur < list.size()) {
    if (list[cur].checked) {
      cur++;
      continue;
    }
    list[cur].checked = true;
    const uint32_t node = list[cur].id;
    stats.expansions++;
    // The next expansions are most likely the next unexpanded candidates: the first one's rows
    // and the second one's list are requested now.
    for (uint32_t i = cur + 1, ahead = 0; i < list.size() && ahead < 2; i++) {
      if (list[i].checked) continue;
      if (ahead++ == 0) PrefetchAhead(g, visited, list[i].id);
      else g.PrefetchNeighbors(list[i].id);
    }
    fresh.clear();
    CollectFresh(g, visited, node, false, fresh);
    uint32_t next = list.size();
    for (size_t i = 0; i < fresh.size(); i++) {
      if (i + kRestAhead < fresh.size()) g.PrefetchRest(fresh[i + kRestAhead]);
      const uint32_t id = fresh[i];
      const float d = g.Dist(q, qnorm, id);
      stats.distances++;
      if (Accept(g, p.allow, id)) out.Offer(d, id);
      const uint32_t pos = list.Insert(d, id);
      if (pos < next) next = pos;
    }
    cur = next <= cur ? next : cur + 1;
  }
}

}  // namespace frugal::search
