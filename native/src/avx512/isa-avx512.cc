// Marker symbol proving this translation unit was compiled with AVX-512 flags.
namespace frugal::avx512 {
int CompiledLevel() { return 3; }
}  // namespace frugal::avx512
