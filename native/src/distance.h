// Distance kernels for the vector index. Notation: d = dimension; a, q are f32 vectors of length d;
// c is an int8 code of length d (the stored vector is scale * c). One table per ISA level, picked
// at run time (AVX-512 -> AVX2 -> portable) through frugal/cpu.h, capped by FRUGAL_CPU_MAX.
#pragma once
#include <cstdint>

namespace frugal::search {

struct DistanceKernels {
  const char* isa;
  float (*l2)(const float* a, const float* b, uint32_t d);        // sum (a-b)^2
  float (*dot)(const float* a, const float* b, uint32_t d);       // sum a*b
  float (*dot_i8)(const float* q, const int8_t* c, uint32_t d);   // sum q*c
};

enum KernelLevel : int { kScalar = 0, kAvx2 = 2, kAvx512 = 3 };

// The kernels of one level, or nullptr when this build or this CPU lacks it.
const DistanceKernels* KernelsFor(int level);
// The best level allowed on this CPU and by FRUGAL_CPU_MAX (decided once).
const DistanceKernels* ActiveKernels();
int ActiveLevel();

}  // namespace frugal::search

#ifdef FRUGAL_X86
namespace frugal::avx2 {
float SearchL2(const float* a, const float* b, uint32_t d);
float SearchDot(const float* a, const float* b, uint32_t d);
float SearchDotI8(const float* q, const int8_t* c, uint32_t d);
}  // namespace frugal::avx2
namespace frugal::avx512 {
float SearchL2(const float* a, const float* b, uint32_t d);
float SearchDot(const float* a, const float* b, uint32_t d);
float SearchDotI8(const float* q, const int8_t* c, uint32_t d);
}  // namespace frugal::avx512
#endif
