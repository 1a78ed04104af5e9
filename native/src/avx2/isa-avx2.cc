// Marker symbol proving this translation unit was compiled with AVX2/FMA flags.
namespace frugal::avx2 {
int CompiledLevel() { return 2; }
}  // namespace frugal::avx2
