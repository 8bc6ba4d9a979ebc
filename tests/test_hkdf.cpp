// HKDF-SHA-256 and HKDF-SHA-512 (RFC 5869) on every SHA-2 kernel: RFC 5869
// A.1-A.3 (external pyca file and vectors/), Wycheproof, the output limit
// 255*HashLen and one past it, empty salt, derive<N>, and every kernel against
// the portable path. The long-output reference is built from HMAC directly,
// T(i) = HMAC(PRK, T(i-1) || info || i), so it does not share HKDF's code.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/mac/hmac.hpp>

#include "support/bytes.hpp"
#include "support/kernels.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

// RFC 5869 A.1, checked by the compiler (portable path).
constexpr auto a1_ikm = e2ee::hex<22>("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
constexpr auto a1_salt = e2ee::hex<13>("000102030405060708090a0b0c");
constexpr auto a1_info = e2ee::hex<10>("f0f1f2f3f4f5f6f7f8f9");
static_assert(e2ee::hkdf<e2ee::sha256>::derive<42>(a1_salt, a1_ikm, a1_info) ==
              e2ee::hex<42>("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                            "34007208d5b887185865"));
static_assert(e2ee::hkdf<e2ee::sha256>::extract(a1_salt, a1_ikm) ==
              e2ee::secret<32>(e2ee::hex<32>("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")));

template <class H>
struct hkdf_info;
template <>
struct hkdf_info<e2ee::sha256> {
  using impl = e2ee::sha256_impl;
  static constexpr const char* wycheproof = "hkdf_sha256_test.json";
  static constexpr std::size_t wycheproof_count = 86, wycheproof_valid = 83, wycheproof_invalid = 3;
};
template <>
struct hkdf_info<e2ee::sha512> {
  using impl = e2ee::sha512_impl;
  static constexpr const char* wycheproof = "hkdf_sha512_test.json";
  static constexpr std::size_t wycheproof_count = 83, wycheproof_valid = 80, wycheproof_invalid = 3;
};

using bytes_view = std::span<const std::uint8_t>;

// reference_okm: RFC 5869 2.3 written with hmac<H> directly.
template <class H>
std::vector<std::uint8_t> reference_okm(bytes_view prk, bytes_view info, std::size_t length) {
  std::vector<std::uint8_t> okm, t;
  for (std::size_t i = 1; okm.size() < length; ++i) {
    e2ee::hmac<H> m(prk);
    m.update(t);
    m.update(info);
    const std::uint8_t counter = static_cast<std::uint8_t>(i);
    m.update(bytes_view(&counter, 1));
    const auto block = m.finish();
    t.assign(block.begin(), block.end());
    okm.insert(okm.end(), t.begin(), t.end());
  }
  okm.resize(length);
  return okm;
}

// derive_n: derive<N> for the N used by the RFC vectors; false if N is not one.
template <class H>
bool derive_n(std::size_t n, bytes_view salt, bytes_view ikm, bytes_view info, std::vector<std::uint8_t>& out) {
  using K = e2ee::hkdf<H>;
  switch (n) {
    case 42: out = test::bytes(K::template derive<42>(salt, ikm, info)); return true;
    case 82: out = test::bytes(K::template derive<82>(salt, ikm, info)); return true;
    default: return false;
  }
}

// check_rfc_record: one RFC 5869 case (keys as in the pyca file or vectors/).
void check_rfc_record(const test::rsp::record& rec, const char* ikm_key, const char* salt_key,
                      const char* info_key, const char* len_key, const char* prk_key, const char* okm_key) {
  using K = e2ee::hkdf<e2ee::sha256>;
  const auto ikm = rec.hex(ikm_key);
  const auto salt = rec.hex(salt_key);
  const auto info = rec.hex(info_key);
  const auto len = rec.number(len_key);
  const auto prk = rec.hex(prk_key);
  const auto okm = rec.hex(okm_key);
  REQUIRE((ikm && salt && info && len && prk && okm));
  REQUIRE(okm->size() == *len);
  const auto got_prk = K::extract(*salt, *ikm);
  CHECK(test::hex(got_prk.expose()) == test::hex(*prk));
  std::vector<std::uint8_t> out(*len, 0xaa);
  CHECK(K::expand(got_prk.expose(), *info, out));
  CHECK(test::hex(out) == test::hex(*okm));
  std::vector<std::uint8_t> derived;
  REQUIRE(derive_n<e2ee::sha256>(*len, *salt, *ikm, *info, derived));
  CHECK(test::hex(derived) == test::hex(*okm));
}

}  // namespace

TEST_CASE("hkdf: RFC 5869 A.1-A.3 (pyca file) on every kernel", "[hkdf][rfc]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  // The file has blank lines inside its records: records start at COUNT.
  const auto f = test::rsp::load_external("rfc/rfc-5869-HKDF-SHA256.txt", {"COUNT"});
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 3);
  for (const auto impl : test::available_impls<e2ee::sha256_impl>()) {
    const test::force_impl<e2ee::sha256_impl> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ", COUNT = " << rec.get("COUNT"));
      REQUIRE(rec.get("Hash") == "SHA-256");
      check_rfc_record(rec, "IKM", "salt", "info", "L", "PRK", "OKM");
      ++count;
    }
    CHECK(count == 3);
  }
}

TEST_CASE("hkdf: RFC 5869 A.1-A.3 (vectors/) on every kernel", "[hkdf][rfc]") {
  const auto f = test::rsp::load_own("hkdf_sha256.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 3);
  for (const auto impl : test::available_impls<e2ee::sha256_impl>()) {
    const test::force_impl<e2ee::sha256_impl> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ": " << rec.get("name"));
      check_rfc_record(rec, "ikm", "salt", "info", "size", "prk", "okm");
      ++count;
    }
    CHECK(count == 3);
  }
}

TEMPLATE_TEST_CASE("hkdf: Wycheproof on every kernel", "[hkdf][wycheproof]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  using K = e2ee::hkdf<H>;
  using impl_t = typename hkdf_info<H>::impl;
  const auto suite = test::wycheproof::load_hkdf(hkdf_info<H>::wycheproof);
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  REQUIRE(suite.declared_count == hkdf_info<H>::wycheproof_count);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t valid = 0, invalid = 0;
    for (const auto& t : suite.tests) {
      INFO("kernel " << test::name(impl) << ", tcId " << t.id << " (" << to_string(t.expect) << "): "
                     << t.comment << ", size " << t.size);
      const auto prk = K::extract(t.salt, t.ikm);
      std::vector<std::uint8_t> out(t.size, 0xaa);
      const bool ok = K::expand(prk.expose(), t.info, out);
      if (t.valid()) {
        REQUIRE(t.okm.size() == t.size);
        CHECK(ok);
        CHECK(test::hex(out) == test::hex(t.okm));
        ++valid;
      } else if (t.invalid()) {
        // Wycheproof's invalid HKDF cases ask for more than 255*HashLen bytes.
        CHECK(t.size > K::max_output);
        CHECK_FALSE(ok);
        CHECK(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }));
        ++invalid;
      } else if (ok) {
        CHECK(test::hex(out) == test::hex(t.okm));
      }
    }
    CHECK(valid == hkdf_info<H>::wycheproof_valid);
    CHECK(invalid == hkdf_info<H>::wycheproof_invalid);
  }
}

TEMPLATE_TEST_CASE("hkdf: output limit 255*HashLen, one past it, empty prk", "[hkdf]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using K = e2ee::hkdf<H>;
  using impl_t = typename hkdf_info<H>::impl;
  STATIC_REQUIRE(K::hash_size == H::digest_size);
  STATIC_REQUIRE(K::max_output == 255 * H::digest_size);
  test::rng r(5869);
  const auto ikm = r.bytes(32), salt = r.bytes(16), info = r.bytes(20);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    INFO("kernel " << test::name(impl));
    const auto prk = K::extract(salt, ikm);
    const auto reference = reference_okm<H>(prk.expose(), info, K::max_output);

    std::vector<std::uint8_t> out(K::max_output, 0xaa);
    CHECK(K::expand(prk.expose(), info, out));
    CHECK(test::hex(out) == test::hex(reference));

    // Every length around the block boundaries is a prefix of the longest output.
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, H::digest_size - 1, H::digest_size,
                                H::digest_size + 1, 2 * H::digest_size, std::size_t{80}, K::max_output - 1}) {
      INFO("length " << n);
      std::vector<std::uint8_t> part(n, 0xaa);
      CHECK(K::expand(prk.expose(), info, part));
      CHECK(test::hex(part) == test::hex(std::span<const std::uint8_t>(reference).first(n)));
    }

    std::vector<std::uint8_t> too_long(K::max_output + 1, 0xaa);
    CHECK_FALSE(K::expand(prk.expose(), info, too_long));
    CHECK(std::all_of(too_long.begin(), too_long.end(), [](std::uint8_t b) { return b == 0; }));

    std::vector<std::uint8_t> any(16, 0xaa);
    CHECK_FALSE(K::expand({}, info, any));  // empty prk
    CHECK(std::all_of(any.begin(), any.end(), [](std::uint8_t b) { return b == 0; }));

    // derive<max_output> is allowed; derive<max_output + 1> does not compile.
    const auto all = K::template derive<K::max_output>(salt, ikm, info);
    CHECK(test::hex(all) == test::hex(reference));
  }
}

TEMPLATE_TEST_CASE("hkdf: empty salt is HashLen zeros; derive<N> = expand(extract)", "[hkdf]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using K = e2ee::hkdf<H>;
  using impl_t = typename hkdf_info<H>::impl;
  test::rng r(0x68646b66);
  const auto ikm = r.bytes(32), salt = r.bytes(32), info = r.bytes(10);
  const std::array<std::uint8_t, H::digest_size> zeros{};
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    INFO("kernel " << test::name(impl));
    const auto empty_salt = K::extract({}, ikm);
    CHECK(empty_salt == K::extract(zeros, ikm));
    CHECK(test::hex(empty_salt.expose()) == test::hex(e2ee::hmac<H>::mac(zeros, ikm)));
    CHECK(test::hex(K::extract(salt, ikm).expose()) == test::hex(e2ee::hmac<H>::mac(salt, ikm)));
    CHECK(test::hex(K::extract(salt, {}).expose()) == test::hex(e2ee::hmac<H>::mac(salt, {})));

    const auto prk = K::extract(salt, ikm);
    std::array<std::uint8_t, 80> expanded{};
    REQUIRE(K::expand(prk.expose(), info, expanded));
    CHECK(K::template derive<80>(salt, ikm, info) == expanded);
    CHECK(test::hex(K::template derive<1>(salt, ikm, info)) == test::hex(std::span(expanded).first(1)));
    CHECK(test::bytes(K::template derive<32>({}, ikm, {})) == reference_okm<H>(empty_salt.expose(), {}, 32));
    CHECK(K::template derive<0>(salt, ikm, info).empty());
  }
}

TEMPLATE_TEST_CASE("hkdf: every kernel equals portable on random inputs", "[hkdf][random]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using K = e2ee::hkdf<H>;
  using impl_t = typename hkdf_info<H>::impl;
  test::rng r(0x7e57);
  INFO("rng seed " << r.seed());
  struct input {
    std::vector<std::uint8_t> salt, ikm, info;
    std::size_t length;
  };
  std::vector<input> inputs;
  for (int i = 0; i < 200; ++i)
    inputs.push_back({r.bytes(r.range(0, 2 * H::block_size + 1)), r.bytes(r.range(0, 2 * H::block_size + 1)),
                      r.bytes(r.range(0, 2 * H::block_size + 1)), r.range(0, 8 * H::digest_size + 1)});
  std::vector<std::vector<std::uint8_t>> reference;
  {
    const test::force_impl<impl_t> portable(impl_t::portable);
    REQUIRE(portable.selected());
    for (const auto& in : inputs) {
      const auto prk = K::extract(in.salt, in.ikm);
      reference.push_back(reference_okm<H>(prk.expose(), in.info, in.length));
    }
  }
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t checked = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& in = inputs[i];
      INFO("kernel " << test::name(impl) << ", salt " << in.salt.size() << ", ikm " << in.ikm.size()
                     << ", info " << in.info.size() << ", length " << in.length);
      const auto prk = K::extract(in.salt, in.ikm);
      std::vector<std::uint8_t> out(in.length);
      REQUIRE(K::expand(prk.expose(), in.info, out));
      REQUIRE(test::hex(out) == test::hex(reference[i]));
      ++checked;
    }
    CHECK(checked == inputs.size());
  }
}
