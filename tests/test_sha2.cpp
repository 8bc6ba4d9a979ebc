// SHA-256 and SHA-512 (FIPS 180-4) on every kernel: NIST CAVP ShortMsg,
// LongMsg and Monte; the FIPS examples in vectors/; every kernel against the
// portable path on random messages of every length 0..1100, one-shot and with
// random split points.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>

#include "support/bytes.hpp"
#include "support/kernels.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"

namespace {

// FIPS 180-4 examples, checked by the compiler (portable path).
constexpr std::array<std::uint8_t, 3> abc{'a', 'b', 'c'};
static_assert(e2ee::sha256::hash(abc) ==
              e2ee::hex<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
static_assert(e2ee::sha512::hash(abc) ==
              e2ee::hex<64>("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
static_assert(e2ee::sha256::hash({}) ==
              e2ee::hex<32>("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));

// sha_info<H>: what the tests need to know per hash.
template <class H>
struct sha_info;
template <>
struct sha_info<e2ee::sha256> {
  using impl = e2ee::sha256_impl;
  static constexpr const char* nist = "SHA256";
  static constexpr const char* own = "sha256.txt";
  // Record counts of the NIST files (shared/vectors/README.md).
  static constexpr std::size_t short_count = 65, long_count = 64, monte_count = 100;
};
template <>
struct sha_info<e2ee::sha512> {
  using impl = e2ee::sha512_impl;
  static constexpr const char* nist = "SHA512";
  static constexpr const char* own = "sha512.txt";
  static constexpr std::size_t short_count = 129, long_count = 128, monte_count = 100;
};

// digest_with: H(msg) on kernel `impl`, one update.
template <class H>
typename H::digest digest_with(typename sha_info<H>::impl impl, std::span<const std::uint8_t> msg) {
  H h(impl);
  h.update(msg);
  return h.finish();
}

// digest_split: H(msg) on kernel `impl`, fed in random pieces (empty ones too).
template <class H>
typename H::digest digest_split(typename sha_info<H>::impl impl, std::span<const std::uint8_t> msg,
                                test::rng& r) {
  H h(impl);
  std::size_t off = 0;
  while (off < msg.size()) {
    const std::size_t left = msg.size() - off;
    // Mostly small pieces (around the block size), sometimes all the rest.
    const std::size_t n = r.below(8) == 0 ? left : r.range(0, left < 300 ? left : 300);
    h.update(msg.subspan(off, n));
    off += n;
  }
  if (r.below(2) == 0) h.update({});
  return h.finish();
}

// nist_message: the message of a ShortMsg/LongMsg record: the first Len/8
// bytes of Msg (Len = 0 comes with the placeholder "Msg = 00").
std::vector<std::uint8_t> nist_message(const test::rsp::record& rec) {
  const auto len_bits = rec.number("Len");
  const auto msg = rec.hex("Msg");
  if (!len_bits || !msg || *len_bits % 8 != 0 || *len_bits / 8 > msg->size())
    throw std::runtime_error("malformed record at line " + std::to_string(rec.line));
  return std::vector<std::uint8_t>(msg->begin(), msg->begin() + static_cast<std::ptrdiff_t>(*len_bits / 8));
}

template <class H>
void check_nist_msg_file(const std::string& file, std::size_t expected_count) {
  using impl_t = typename sha_info<H>::impl;
  const auto f = test::rsp::load_external("nist/" + file);
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("MD");
  REQUIRE(records.size() == expected_count);
  test::rng r(0x5a17);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0;
    for (const auto* rec : records) {
      INFO(file << " kernel " << test::name(impl) << ", line " << rec->line << ", Len = " << rec->get("Len"));
      REQUIRE(rec->param("L") != nullptr);
      REQUIRE(*rec->param("L") == std::to_string(H::digest_size));
      const auto msg = nist_message(*rec);
      const std::string md = rec->get("MD");
      CHECK(test::hex(digest_with<H>(impl, msg)) == md);
      CHECK(test::hex(H::hash(msg)) == md);  // default kernel = the forced one
      CHECK(test::hex(digest_split<H>(impl, msg, r)) == md);
      ++count;
    }
    CHECK(count == expected_count);
  }
}

// SHAVS 6.4 Monte Carlo: see vectors/README.md.
template <class H>
void check_nist_monte(const std::string& file, std::size_t expected_count) {
  using impl_t = typename sha_info<H>::impl;
  const auto f = test::rsp::load_external("nist/" + file);
  INFO(f.error);
  REQUIRE(f.ok());
  const auto seeds = f.with_field("Seed");
  REQUIRE(seeds.size() == 1);
  const auto seed = seeds[0]->hex("Seed");
  REQUIRE(seed.has_value());
  REQUIRE(seed->size() == H::digest_size);
  const auto checkpoints = f.with_field("MD");
  REQUIRE(checkpoints.size() == expected_count);

  for (const impl_t impl : test::available_impls<impl_t>()) {
    std::array<std::uint8_t, 3 * H::digest_size> m{};
    std::vector<std::uint8_t> current(*seed);
    std::size_t count = 0;
    for (const auto* rec : checkpoints) {
      INFO(file << " kernel " << test::name(impl) << ", COUNT = " << rec->get("COUNT"));
      REQUIRE(rec->number("COUNT") == count);
      // MD0 = MD1 = MD2 = seed; m holds MD(i-3) || MD(i-2) || MD(i-1).
      for (std::size_t k = 0; k < 3; ++k)
        std::copy(current.begin(), current.end(), m.begin() + static_cast<std::ptrdiff_t>(k * H::digest_size));
      typename H::digest md{};
      H h(impl);
      for (int i = 3; i < 1003; ++i) {
        h.update(m);
        md = h.finish();
        std::copy(m.begin() + H::digest_size, m.end(), m.begin());
        std::copy(md.begin(), md.end(), m.end() - H::digest_size);
      }
      CHECK(test::hex(md) == rec->get("MD"));
      current.assign(md.begin(), md.end());
      ++count;
    }
    CHECK(count == expected_count);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("sha2: kernel selection follows E2EE_CPU_DISABLE", "[sha2][kernels]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using impl_t = typename sha_info<H>::impl;
  const auto impls = test::available_impls<impl_t>();
  REQUIRE_FALSE(impls.empty());
  CHECK(impls.front() == impl_t::portable);
  std::string names;
  for (const auto i : impls) names += test::name(i) + " ";
  INFO("available kernels: " << names << "(cpu: " << e2ee::cpu::features().to_string() << ")");

  for (const impl_t impl : impls) {
    INFO("forced kernel " << test::name(impl));
    const test::force_impl<impl_t> use(impl);
    CHECK(use.selected());
    CHECK(test::impl_traits<impl_t>::best() == impl);
    CHECK(H().implementation() == impl);
    CHECK(H(impl).implementation() == impl);
  }
  {
    const test::force_cpu none("all");
    CHECK(test::impl_traits<impl_t>::best() == impl_t::portable);
    CHECK(H().implementation() == impl_t::portable);
    CHECK(test::available_impls<impl_t>() == std::vector<impl_t>{impl_t::portable});
  }
  {
    // Nothing disabled: the best kernel the hardware has.
    const test::force_cpu all_on("");
    const impl_t best = test::impl_traits<impl_t>::best();
    CHECK(H().implementation() == best);
    const auto hw_impls = test::available_impls<impl_t>();
    for (const impl_t i : hw_impls) CHECK(e2ee::supported(i, e2ee::cpu::detect()));
    CHECK(best == hw_impls.back());  // kernels are listed slowest first
  }
}

TEST_CASE("sha2: best kernel per feature set", "[sha2][kernels]") {
  e2ee::cpu::feature_set none;
  CHECK(e2ee::best_sha256_impl(none) == e2ee::sha256_impl::portable);
  CHECK(e2ee::best_sha512_impl(none) == e2ee::sha512_impl::portable);
  CHECK(e2ee::supported(e2ee::sha256_impl::portable, none));
  CHECK(e2ee::supported(e2ee::sha512_impl::portable, none));
  CHECK_FALSE(e2ee::supported(e2ee::sha256_impl::shani, none));
  CHECK_FALSE(e2ee::supported(e2ee::sha512_impl::avx2, none));
#if E2EE_HAVE_X86_KERNELS
  e2ee::cpu::feature_set f;
  f.sse41 = f.shani = true;
  CHECK(e2ee::best_sha256_impl(f) == e2ee::sha256_impl::shani);
  f.avx = f.avx2 = f.bmi2 = true;
  CHECK(e2ee::best_sha512_impl(f) == e2ee::sha512_impl::avx2);
  CHECK(e2ee::best_sha256_impl(e2ee::cpu::mask_disabled(f, "shani")) == e2ee::sha256_impl::portable);
  CHECK(e2ee::best_sha512_impl(e2ee::cpu::mask_disabled(f, "avx")) == e2ee::sha512_impl::portable);
#endif
  CHECK(e2ee::to_string(e2ee::sha256_impl::portable) == "portable");
  CHECK(e2ee::to_string(e2ee::sha512_impl::portable) == "portable");
  for (const auto i : e2ee::all_sha256_impls) CHECK_FALSE(e2ee::to_string(i).empty());
  for (const auto i : e2ee::all_sha512_impls) CHECK_FALSE(e2ee::to_string(i).empty());
}

TEMPLATE_TEST_CASE("sha2: NIST CAVP ShortMsg on every kernel", "[sha2][nist]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  check_nist_msg_file<H>(std::string(sha_info<H>::nist) + "ShortMsg.rsp", sha_info<H>::short_count);
}

TEMPLATE_TEST_CASE("sha2: NIST CAVP LongMsg on every kernel", "[sha2][nist]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  check_nist_msg_file<H>(std::string(sha_info<H>::nist) + "LongMsg.rsp", sha_info<H>::long_count);
}

TEMPLATE_TEST_CASE("sha2: NIST CAVP Monte Carlo on every kernel", "[sha2][nist]", e2ee::sha256,
                   e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  check_nist_monte<H>(std::string(sha_info<H>::nist) + "Monte.rsp", sha_info<H>::monte_count);
}

TEMPLATE_TEST_CASE("sha2: FIPS 180-4 examples (vectors/) on every kernel", "[sha2][fips]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using impl_t = typename sha_info<H>::impl;
  const auto f = test::rsp::load_own(sha_info<H>::own);
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 5);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ": " << rec.get("name"));
      const auto unit = rec.hex("msg");
      const auto rep = rec.number("repeat");
      REQUIRE(unit.has_value());
      REQUIRE(rep.has_value());
      const std::string md = rec.get("md");
      REQUIRE(md.size() == 2 * H::digest_size);
      const auto msg = test::repeat(*unit, static_cast<std::size_t>(*rep));
      CHECK(test::hex(digest_with<H>(impl, msg)) == md);
      CHECK(test::hex(H::hash(msg)) == md);
      // Incremental: one unit per update (at most 1000 updates), then the rest.
      H h(impl);
      const std::size_t units = *rep < 1000 ? static_cast<std::size_t>(*rep) : 1000;
      for (std::size_t i = 0; i < units; ++i) h.update(*unit);
      h.update(std::span<const std::uint8_t>(msg).subspan(units * unit->size()));
      CHECK(test::hex(h.finish()) == md);
      ++count;
    }
    CHECK(count == 5);
  }
}

TEMPLATE_TEST_CASE("sha2: every kernel equals portable on random messages of length 0..1100",
                   "[sha2][random]", e2ee::sha256, e2ee::sha512) {
  using H = TestType;
  using impl_t = typename sha_info<H>::impl;
  constexpr std::size_t max_len = 1100;
  test::rng r(0xc0ffee);
  INFO("rng seed " << r.seed());
  const auto msg = r.bytes(max_len);
  const auto span = std::span<const std::uint8_t>(msg);

  std::vector<typename H::digest> reference;
  reference.reserve(max_len + 1);
  for (std::size_t len = 0; len <= max_len; ++len)
    reference.push_back(digest_with<H>(impl_t::portable, span.first(len)));

  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);  // H::hash takes the default kernel
    REQUIRE(use.selected());
    std::size_t checked = 0;
    for (std::size_t len = 0; len <= max_len; ++len) {
      INFO("kernel " << test::name(impl) << ", length " << len);
      const auto expected = test::hex(reference[len]);
      REQUIRE(test::hex(digest_with<H>(impl, span.first(len))) == expected);
      REQUIRE(test::hex(digest_split<H>(impl, span.first(len), r)) == expected);
      REQUIRE(test::hex(H::hash(span.first(len))) == expected);
      ++checked;
    }
    CHECK(checked == max_len + 1);
  }
}

// The last block is built from the block buffer, whose bytes past the
// message's end still hold earlier bytes of the message (and, should finish
// ever stop clearing it, of the previous one): they must not leak into the
// padding.
TEMPLATE_TEST_CASE("sha2: stale bytes in the block buffer do not matter", "[sha2]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using impl_t = typename sha_info<H>::impl;
  test::rng r(0x57a1e);
  const auto junk = r.bytes(3 * H::block_size), msg = r.bytes(3 * H::block_size);
  const auto span = std::span<const std::uint8_t>(msg);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    for (std::size_t len = 0; len <= msg.size(); ++len) {
      INFO("kernel " << test::name(impl) << ", length " << len);
      const auto expected = digest_with<H>(impl_t::portable, span.first(len));
      H h(impl);
      h.update(std::span<const std::uint8_t>(junk).first(H::block_size - 1));  // fills the buffer
      (void)h.finish();
      // Two pieces: a byte, then the rest (the buffer fills, then holds the tail).
      h.update(span.first(len).first(len < 1 ? len : 1));
      h.update(span.first(len).subspan(len < 1 ? len : 1));
      REQUIRE(h.finish() == expected);
    }
  }
}

TEMPLATE_TEST_CASE("sha2: finish resets, copies fork the state", "[sha2]", e2ee::sha256, e2ee::sha512) {
  using H = TestType;
  using impl_t = typename sha_info<H>::impl;
  test::rng r(7);
  const auto a = r.bytes(300), b = r.bytes(77);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    INFO("kernel " << test::name(impl));
    H h(impl);
    h.update(a);
    const auto d1 = h.finish();
    CHECK(h.implementation() == impl);  // finish keeps the kernel
    h.update(a);
    CHECK(h.finish() == d1);  // a new message after finish
    CHECK(h.finish() == digest_with<H>(impl, {}));  // nothing absorbed: empty message

    H x(impl);
    x.update(a);
    H y = x;  // fork
    x.update(b);
    std::vector<std::uint8_t> ab(a);
    ab.insert(ab.end(), b.begin(), b.end());
    CHECK(x.finish() == digest_with<H>(impl, ab));
    CHECK(y.finish() == d1);
  }
}
