// Row kernels for strided.cc over vector traits V.
#pragma once
#include <cstdint>

#include "frugal/strided-kernels.h"

namespace frugal {

template <class V>
void AddRow(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::Store(dst + i, V::Add(V::Load(dst + i), V::Load(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}

template <class V>
StridedTable MakeStridedTable() {
  return {AddRow<V>};
}

}  // namespace frugal
