// No heap allocation in SHA-256/512, HMAC or HKDF calls: with the test
// binary's counting operator new/delete (support/alloc_counter.cpp), checks
// that the count does not move across the calls, on every kernel.
#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>

#include <catch2/catch.hpp>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/mac/hmac.hpp>

#include "support/alloc_counter.hpp"
#include "support/kernels.hpp"

namespace {

void* volatile sink = nullptr;  // keeps the sanity-check allocation from being elided

// fill_pattern: deterministic input bytes without an allocation.
template <std::size_t N>
std::array<std::uint8_t, N> pattern(std::uint8_t seed) {
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(seed + 31 * i);
  return a;
}

// exercise: every hash/MAC/KDF entry point once or more, on the default
// kernel (forced by the caller). Returns a checksum so nothing is optimised out.
template <class H>
std::uint32_t exercise() {
  using M = e2ee::hmac<H>;
  using K = e2ee::hkdf<H>;
  static const auto msg = pattern<3000>(1);
  static const auto key = pattern<32>(2);
  static const auto long_key = pattern<300>(3);
  std::uint32_t sum = 0;
  const std::span<const std::uint8_t> m(msg);

  const auto d = H::hash(m);
  sum += d[0];
  H h;
  for (std::size_t off = 0; off < m.size(); off += 7) h.update(m.subspan(off, m.size() - off < 7 ? m.size() - off : 7));
  sum += h.finish()[1];
  H forced(h.implementation());
  forced.update(m.first(200));
  sum += forced.finish()[2];

  const auto t = M::mac(key, m);
  sum += t[0];
  sum += M::mac(long_key, m.first(10))[0];
  sum += M::verify(key, m, t) ? 1u : 0u;
  sum += M::verify(key, m, std::span<const std::uint8_t>(t).first(8)) ? 1u : 0u;
  M inc(key);
  inc.update(m.first(100));
  inc.update(m.subspan(100));
  sum += inc.finish()[3];

  const auto prk = K::extract(key, m.first(32));
  sum += prk.expose()[0];
  const auto prk0 = K::extract({}, m.first(32));
  sum += prk0.expose()[0];
  std::array<std::uint8_t, 80> okm{};
  sum += K::expand(prk.expose(), m.first(16), okm) ? okm[79] : 0u;
  std::array<std::uint8_t, K::max_output> big{};
  sum += K::expand(prk.expose(), m.first(16), big) ? big[K::max_output - 1] : 0u;
  std::array<std::uint8_t, K::max_output + 1> too_big{};
  sum += K::expand(prk.expose(), {}, too_big) ? 1u : 0u;
  const auto derived = K::template derive<80>(key, m.first(32), m.first(8));
  sum += derived[5];
  return sum;
}

template <class H, class Impl>
void check_no_allocation(const char* what) {
  for (const Impl impl : test::available_impls<Impl>()) {
    const test::force_impl<Impl> use(impl);
    REQUIRE(use.selected());
    const test::alloc_scope scope;
    const std::uint32_t sum = exercise<H>();
    const std::size_t allocations = scope.count();
    INFO(what << " on kernel " << test::name(impl) << " (checksum " << sum << ")");
    CHECK(allocations == 0);
  }
}

}  // namespace

TEST_CASE("noalloc: the counting operator new sees allocations", "[noalloc]") {
  const test::alloc_scope scope;
  sink = ::operator new(16);
  ::operator delete(sink);
  int* p = new int(7);
  sink = p;
  delete p;
  CHECK(scope.count() >= 2);
}

TEST_CASE("noalloc: SHA-2, HMAC and HKDF never allocate", "[noalloc]") {
  check_no_allocation<e2ee::sha256, e2ee::sha256_impl>("SHA-256 / HMAC-SHA-256 / HKDF-SHA-256");
  check_no_allocation<e2ee::sha512, e2ee::sha512_impl>("SHA-512 / HMAC-SHA-512 / HKDF-SHA-512");
}
