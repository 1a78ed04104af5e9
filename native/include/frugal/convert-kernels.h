// f32 <-> f16 conversions per ISA (F16C on AVX2/AVX-512 CPUs, bit manipulation elsewhere).
#pragma once
#include <cstdint>

namespace frugal {
void F32ToF16Scalar(const float* x, uint16_t* out, int64_t n);
void F16ToF32Scalar(const uint16_t* x, float* out, int64_t n);
namespace avx2 {
void F32ToF16(const float* x, uint16_t* out, int64_t n);
void F16ToF32(const uint16_t* x, float* out, int64_t n);
}  // namespace avx2
}  // namespace frugal
