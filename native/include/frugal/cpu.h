// Runtime CPU dispatch: one binary carries scalar, AVX2/FMA and AVX-512 code; the level in use is
// the best the CPU and OS support, lowered by FRUGAL_CPU_MAX=avx2|scalar (read once at load) or
// SetIsaMax, so tests can run every path on one machine.
#pragma once
#include <string>
#include <vector>

namespace frugal {

enum IsaLevel : int { kIsaScalar = 0, kIsaAvx2 = 1, kIsaAvx512 = 2 };

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false;
  bool os_ymm = false, os_zmm = false;  // XCR0 says the OS saves the wide registers
};

const CpuFeatures& Cpu();
std::vector<std::string> CpuFeatureNames();
// Best level the CPU supports and this binary was compiled with.
IsaLevel DetectedIsa();
IsaLevel CompiledIsa();
// Level kernels dispatch on now: min(DetectedIsa(), the forced maximum).
IsaLevel ActiveIsa();
void SetIsaMax(IsaLevel level);
const char* IsaName(IsaLevel level);
// Parses "avx512" | "avx2" | "scalar"; returns false for anything else.
bool ParseIsa(const std::string& name, IsaLevel* out);

}  // namespace frugal
