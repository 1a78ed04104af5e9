// Dynamic activation quantization kernels (ZeroQuant token-wise INT8), behind one dispatch point.
// One row: scale = max|x| / 127, q = round_half_even(x * (127 / max|x|)) clamped to [-127, 127];
// an all-zero row gets scale 0 and q 0. Every f32 operation is a single IEEE op, so the portable
// AVX2 and AVX-512 paths and the TypeScript reference agree bit for bit.
#pragma once
#include <cstdint>

#include "frugal/gemm-kernels.h"

namespace frugal {

using QuantizeRowI8 = float (*)(const float* x, int64_t cols, int8_t* out);
// The same codes + 128 (the u8 operand of the u8 x s8 GEMM).
using QuantizeRowU8 = float (*)(const float* x, int64_t cols, uint8_t* out);

float QuantizeRowI8Scalar(const float* x, int64_t cols, int8_t* out);
float QuantizeRowU8Scalar(const float* x, int64_t cols, uint8_t* out);
namespace avx2 {
float QuantizeRowI8(const float* x, int64_t cols, int8_t* out);
float QuantizeRowU8(const float* x, int64_t cols, uint8_t* out);
// The AVX2 u8 x s8 micro-kernel that applies `activation` (a UnaryOpCode: kGeluErf, kGeluTanh,
// kRelu, kSilu; -1 none) to the tile in registers; nullptr for any other code.
GemmU8S8Micro GemmU8S8MicroAct(int activation);
}  // namespace avx2
namespace avx512 {
float QuantizeRowI8(const float* x, int64_t cols, int8_t* out);
float QuantizeRowU8(const float* x, int64_t cols, uint8_t* out);
// The AVX-512 VNNI (vpdpbusd) u8 x s8 kernel: 8-row tiles; the same epilogue and activations.
GemmU8S8Kernel GemmU8S8Kernel();
GemmU8S8Micro GemmU8S8MicroAct(int activation);
}  // namespace avx512

QuantizeRowI8 SelectQuantizeRowI8();
QuantizeRowU8 SelectQuantizeRowU8();

}  // namespace frugal
