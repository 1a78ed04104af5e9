// Portable distance kernels (the reference the SIMD ones are tested against) and the runtime
// choice of ISA level for the vector index (through the shared dispatch in frugal/cpu.h).
#include "distance.h"

#include "frugal/cpu.h"


namespace frugal::search {
namespace {

float L2Scalar(const float* a, const float* b, uint32_t d) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  uint32_t i = 0;
  for (; i + 4 <= d; i += 4) {
    const float t0 = a[i] - b[i], t1 = a[i + 1] - b[i + 1], t2 = a[i + 2] - b[i + 2], t3 = a[i + 3] - b[i + 3];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; i < d; i++) {
    const float t = a[i] - b[i];
    s0 += t * t;
  }
  return (s0 + s1) + (s2 + s3);
}

float DotScalar(const float* a, const float* b, uint32_t d) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  uint32_t i = 0;
  for (; i + 4 <= d; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < d; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

float DotI8Scalar(const float* q, const int8_t* c, uint32_t d) {
  float s0 = 0, s1 = 0;
  uint32_t i = 0;
  for (; i + 2 <= d; i += 2) {
    s0 += q[i] * static_cast<float>(c[i]);
    s1 += q[i + 1] * static_cast<float>(c[i + 1]);
  }
  for (; i < d; i++) s0 += q[i] * static_cast<float>(c[i]);
  return s0 + s1;
}

const DistanceKernels kScalarKernels{"scalar", L2Scalar, DotScalar, DotI8Scalar};
#ifdef FRUGAL_X86
const DistanceKernels kAvx2Kernels{"avx2", avx2::SearchL2, avx2::SearchDot, avx2::SearchDotI8};
const DistanceKernels kAvx512Kernels{"avx512", avx512::SearchL2, avx512::SearchDot, avx512::SearchDotI8};
#endif

bool CpuHas(int level) {
  if (level == kScalar) return true;
  const frugal::IsaLevel detected = DetectedIsa();
  if (level == kAvx2) return detected >= kIsaAvx2;
  if (level == kAvx512) return detected >= kIsaAvx512;
  return false;
}

}  // namespace

const DistanceKernels* KernelsFor(int level) {
  if (!CpuHas(level)) return nullptr;
  switch (level) {
    case kScalar:
      return &kScalarKernels;
#ifdef FRUGAL_X86
    case kAvx2:
      return &kAvx2Kernels;
    case kAvx512:
      return &kAvx512Kernels;
#endif
    default:
      return nullptr;
  }
}

// Follows the shared dispatch (cpu.h), so FRUGAL_CPU_MAX and SetIsaMax apply here too.
int ActiveLevel() {
  switch (ActiveIsa()) {
    case kIsaAvx512:
      return kAvx512;
    case kIsaAvx2:
      return kAvx2;
    default:
      return kScalar;
  }
}

const DistanceKernels* ActiveKernels() { return KernelsFor(ActiveLevel()); }

}  // namespace frugal::search
