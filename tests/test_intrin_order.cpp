// <e2ee/e2ee.hpp> includes only the intrinsics headers its kernels use when
// the compiler is GCC 12 or Clang 14 (detail/x86/intrin.hpp, to save compile
// time). A user's later #include <immintrin.h> must still declare all of it:
// this file includes it after e2ee and uses instructions from headers e2ee
// does not include (SSE4.2's CRC32, AVX-512F).
#include <e2ee/e2ee.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>

#if E2EE_HAVE_X86_KERNELS
#include <immintrin.h>

namespace {

[[gnu::target("sse4.2")]] std::uint32_t crc32c(std::string_view s) {
  std::uint32_t c = 0xffffffffu;
  for (const char ch : s) c = _mm_crc32_u8(c, static_cast<unsigned char>(ch));
  return ~c;
}

[[gnu::target("avx512f")]] long long sum512(long long a, long long b) {
  const __m512i x = _mm512_set1_epi64(a);
  const __m512i y = _mm512_set1_epi64(b);
  alignas(64) long long lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(x, y));
  long long sum = 0;
  for (const long long v : lanes) sum += v;
  return sum;
}

}  // namespace

TEST_CASE("intrinsics: <immintrin.h> included after e2ee declares everything", "[core][intrin]") {
  if (__builtin_cpu_supports("sse4.2")) {
    CHECK(crc32c("123456789") == 0xe3069283u);  // CRC-32C check value
  } else {
    WARN("no SSE4.2 on this CPU: CRC32 not run (it compiled)");
  }
  if (__builtin_cpu_supports("avx512f")) {
    CHECK(sum512(3, 4) == 56);
  } else {
    WARN("no AVX-512F on this CPU: the 512-bit function compiled but did not run");
  }
}
#endif
