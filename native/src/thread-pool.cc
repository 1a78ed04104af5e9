// The persistent worker pool behind ParallelRun; JS: setThreads, getThreads.
#include "frugal/thread-pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "frugal/registry.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#define FRUGAL_PAUSE() _mm_pause()
#else
#define FRUGAL_PAUSE() std::this_thread::yield()
#endif

namespace frugal {
namespace {

// Spin iterations before sleeping (about 0.7 ms of pause on Zen 4): a bert-base forward at batch 1
// makes ~110 parallel calls with 0.1-0.3 ms of JavaScript between them, and at 4,000 iterations
// (~70 us) the workers fell asleep between calls and each call waited for a wake-up: bench infer b1
// went from 1.07x to 0.98x onnxruntime (median of 3 alternating runs). The cost is a core spinning
// for at most that long after the last call.
constexpr int kSpin = 40000;

class Pool {
 public:
  explicit Pool(int n) : size_(n) {
    for (int i = 1; i < n; i++) workers_.emplace_back([this] { Work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_work_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return size_; }

  // Each tid is claimed by whichever thread gets to it first, the caller included. A worker whose
  // vCPU the host has descheduled then costs nothing: the caller runs its share and does not wait
  // for it to wake (with fixed shares, every parallel op waited for the slowest thread's start).
  void Run(int nthreads, const std::function<void(int, int)>& fn) {
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &fn;
      job_threads_ = nthreads;
      next_.store(0);
      open_.store(true);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_work_.notify_all();
    Claim(fn, nthreads);
    // Late workers that see the job closed leave it alone; the caller waits only for those inside.
    open_.store(false);
    for (int i = 0; i < kSpin && active_.load() != 0; i++) FRUGAL_PAUSE();
    if (active_.load() != 0) {
      std::unique_lock<std::mutex> lk(m_);
      cv_done_.wait(lk, [this] { return active_.load() == 0; });
    }
    job_ = nullptr;
  }

 private:
  void Claim(const std::function<void(int, int)>& fn, int nthreads) {
    for (int t = next_.fetch_add(1); t < nthreads; t = next_.fetch_add(1)) fn(t, nthreads);
  }

  void Work() {
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < kSpin && generation_.load(std::memory_order_acquire) == seen; i++) FRUGAL_PAUSE();
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(m_);
        cv_work_.wait(lk, [&] { return generation_.load() != seen; });
      }
      {
        std::lock_guard<std::mutex> lk(m_);
        if (stop_) return;
        seen = generation_.load();
      }
      // Sequentially consistent increment-then-check, against the caller's close-then-check: either
      // the caller waits for this worker, or this worker sees the job closed and never reads it.
      active_.fetch_add(1);
      if (open_.load()) Claim(*job_, job_threads_);
      if (active_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(m_);
        cv_done_.notify_one();
      }
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_work_, cv_done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_{0};     // the next unclaimed tid of the current job
  std::atomic<int> active_{0};   // workers inside the current job
  std::atomic<bool> open_{false};
  const std::function<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  bool stop_ = false;
};

int DefaultThreads() {
  if (const char* env = std::getenv("FRUGAL_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1 && n <= 1024) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

std::mutex g_pool_mutex;  // held while a job runs; a second caller runs serially instead
std::unique_ptr<Pool> g_pool;
std::atomic<int> g_threads{0};
thread_local bool t_in_job = false;

Pool& GetPoolLocked() {
  if (!g_pool) g_pool = std::make_unique<Pool>(NumThreads());
  return *g_pool;
}

}  // namespace

int NumThreads() {
  int n = g_threads.load();
  if (n == 0) {
    n = DefaultThreads();
    g_threads.store(n);
  }
  return n;
}

void SetNumThreads(int n) {
  if (n < 1) n = 1;
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  g_threads.store(n);
  if (g_pool && g_pool->size() != n) g_pool.reset();
}

void ParallelRun(int nthreads, const std::function<void(int, int)>& fn) {
  if (nthreads > NumThreads()) nthreads = NumThreads();
  if (nthreads <= 1 || t_in_job) {
    for (int t = 0; t < (nthreads < 1 ? 1 : nthreads); t++) fn(t, nthreads < 1 ? 1 : nthreads);
    return;
  }
  std::unique_lock<std::mutex> lk(g_pool_mutex, std::try_to_lock);
  if (!lk.owns_lock()) {
    for (int t = 0; t < nthreads; t++) fn(t, nthreads);
    return;
  }
  Pool& pool = GetPoolLocked();
  t_in_job = true;
  pool.Run(nthreads, [&fn](int tid, int n) {
    const bool prev = t_in_job;
    t_in_job = true;
    fn(tid, n);
    t_in_job = prev;
  });
  t_in_job = false;
}

void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int64_t parts = grain > 0 ? n / grain : n;
  if (parts > NumThreads()) parts = NumThreads();
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  ParallelRun(static_cast<int>(parts), [&](int tid, int nt) {
    int64_t b, e;
    StaticPartition(n, nt, tid, 1, &b, &e);
    if (b < e) fn(b, e);
  });
}

namespace {

Napi::Value SetThreadsJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::Error::New(info.Env(), "setThreads: n must be an integer in [1, 1024]").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const double v = info[0].As<Napi::Number>().DoubleValue();
  if (!(v >= 1 && v <= 1024 && v == static_cast<int>(v))) {
    Napi::Error::New(info.Env(), "setThreads: n must be an integer in [1, 1024]").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  SetNumThreads(static_cast<int>(v));
  return Napi::Number::New(info.Env(), NumThreads());
}

Napi::Value GetThreadsJs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), NumThreads()); }

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, SetThreadsJs, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreadsJs, "getThreads"));
}

}  // namespace
}  // namespace frugal

FRUGAL_MODULE(thread_pool, frugal::Init)
