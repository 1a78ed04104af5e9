// A small persistent thread pool for the vector index: spawning threads per query would cost more
// than a whole high-recall query, so workers live across calls, spin briefly (wake-up latency
// matters for intra-query parallelism), then sleep on a condition variable. A worker that has not
// started its part by the time the caller's part is done is skipped instead of awaited: on a busy
// machine the OS may not schedule it for milliseconds, far longer than a query.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "search.h"

namespace frugal::search {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void Run(uint32_t threads, const std::function<void(uint32_t)>& fn) {
    if (threads <= 1) {
      fn(0);
      return;
    }
    threads = std::min(threads, kMaxThreads);
    std::lock_guard<std::mutex> run_lock(run_mu_);
    while (workers_.size() < threads - 1) {
      const uint32_t id = static_cast<uint32_t>(workers_.size()) + 1;
      workers_.emplace_back([this, id] { Loop(id); });
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      active_ = threads;
      for (uint32_t i = 1; i < threads; i++) state_[i].store(kWaiting, std::memory_order_relaxed);
      pending_.store(threads - 1);
      gen_.fetch_add(1, std::memory_order_release);
    }
    if (sleeping_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    fn(0);
    for (uint32_t i = 1; i < threads; i++) {
      uint32_t expected = kWaiting;
      if (state_[i].compare_exchange_strong(expected, kSkipped, std::memory_order_acq_rel))
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
    while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

 private:
  void Loop(uint32_t id) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = gen_.load(std::memory_order_acquire);
      for (int spin = 0; g == seen && spin < 20000; spin++) {
        CpuRelax();
        g = gen_.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        sleeping_.fetch_add(1);
        cv_.wait(lk, [&] { return gen_.load() != seen; });
        sleeping_.fetch_sub(1);
        g = gen_.load();
      }
      const std::function<void(uint32_t)>* fn;
      uint32_t active;
      {
        // Generation, job and width are read together so a late wake-up never runs a job twice.
        std::lock_guard<std::mutex> lk(mu_);
        if (stop_) return;
        seen = gen_.load();
        fn = fn_;
        active = active_;
      }
      uint32_t expected = kWaiting;
      if (id < active && state_[id].compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
        (*fn)(id);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  static constexpr uint32_t kMaxThreads = 256;
  enum : uint32_t { kWaiting, kRunning, kSkipped };

  std::mutex run_mu_, mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<uint32_t> pending_{0};
  std::atomic<uint32_t> sleeping_{0};
  // Per worker, per job: whether it claimed its part (kRunning) or the caller skipped it.
  std::atomic<uint32_t> state_[kMaxThreads] = {};
  const std::function<void(uint32_t)>* fn_ = nullptr;
  uint32_t active_ = 0;
  bool stop_ = false;
};

Pool& ThePool() {
  static Pool pool;
  return pool;
}

}  // namespace

void PoolRun(uint32_t threads, const std::function<void(uint32_t)>& fn) { ThePool().Run(threads, fn); }

uint32_t PoolHardwareThreads() {
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : h;
}

Visited& ThreadVisited() {
  thread_local Visited v;
  return v;
}

}  // namespace frugal::search
