// A grow-only, 64-byte aligned scratch buffer; kernels keep one per thread (thread_local) for
// packed panels so steady-state calls allocate nothing.
#pragma once
#include <cstddef>
#include <cstdlib>

namespace frugal {

template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  T* Get(size_t count) {
    if (count > capacity_) {
      std::free(data_);
      const size_t bytes = ((count * sizeof(T) + 63) / 64) * 64;
      data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
      capacity_ = data_ ? count : 0;
    }
    return data_;
  }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace frugal
