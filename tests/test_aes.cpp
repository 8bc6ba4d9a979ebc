// AES-256 block cipher (FIPS-197) on every kernel: FIPS-197 C.3 at compile
// and run time, NIST CAVP ECB KAT (GFSbox, KeySbox, VarKey, VarTxt), MMT and
// MCT files, the Signal CTR vectors built on the block function, and every
// kernel against the portable path on random keys and blocks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/cipher/aes.hpp>

#include "support/bytes.hpp"
#include "support/json.hpp"
#include "support/kernels_aes.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"

namespace {

// FIPS-197 Appendix C.3, checked by the compiler (portable path).
constexpr auto c3_key = e2ee::hex<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
constexpr auto c3_pt = e2ee::hex<16>("00112233445566778899aabbccddeeff");
constexpr auto c3_ct = e2ee::hex<16>("8ea2b7ca516745bfeafc49904b496089");
constexpr std::array<std::uint8_t, 16> encrypt_at_compile_time() {
  const e2ee::aes256 a(c3_key);
  std::array<std::uint8_t, 16> out{};
  a.encrypt_block(c3_pt, out);
  return out;
}
static_assert(encrypt_at_compile_time() == c3_ct);

std::vector<std::uint8_t> field(const test::rsp::record& rec, std::string_view key) {
  auto v = rec.hex(key);
  if (!v) throw std::runtime_error("record at line " + std::to_string(rec.line) + ": no hex field " + std::string(key));
  return std::move(*v);
}

std::array<std::uint8_t, 32> key32(const std::vector<std::uint8_t>& v) {
  if (v.size() != 32) throw std::runtime_error("key is not 32 bytes");
  std::array<std::uint8_t, 32> k{};
  std::copy(v.begin(), v.end(), k.begin());
  return k;
}

// check_ecb_file: every [ENCRYPT] and [DECRYPT] record of an ECB KAT/MMT file.
void check_ecb_file(const std::string& file, std::size_t expected) {
  const auto f = test::rsp::load_external("nist/" + file);
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("KEY");
  REQUIRE(records.size() == expected);
  for (const e2ee::aes_impl impl : test::available_impls<e2ee::aes_impl>()) {
    std::size_t enc = 0, dec = 0;
    for (const auto* rec : records) {
      INFO(file << " kernel " << test::name(impl) << ", line " << rec->line);
      const e2ee::aes256 a(key32(field(*rec, "KEY")), impl);
      REQUIRE(a.implementation() == impl);
      const auto pt = field(*rec, "PLAINTEXT"), ct = field(*rec, "CIPHERTEXT");
      REQUIRE(pt.size() == ct.size());
      std::vector<std::uint8_t> out(pt.size());
      if (rec->section == "ENCRYPT") {
        REQUIRE(a.encrypt_blocks(pt, out));
        CHECK(test::hex(out) == test::hex(ct));
        ++enc;
      } else {
        REQUIRE(rec->section == "DECRYPT");
        REQUIRE(a.decrypt_blocks(ct, out));
        CHECK(test::hex(out) == test::hex(pt));
        ++dec;
      }
    }
    CHECK(enc == expected / 2);
    CHECK(dec == expected / 2);
  }
}

}  // namespace

TEST_CASE("aes: kernel selection follows E2EE_CPU_DISABLE", "[aes][kernels]") {
  const auto impls = test::available_impls<e2ee::aes_impl>();
  REQUIRE_FALSE(impls.empty());
  CHECK(impls.front() == e2ee::aes_impl::portable);
  for (const auto impl : impls) {
    INFO("forced kernel " << test::name(impl));
    const test::force_impl<e2ee::aes_impl> use(impl);
    CHECK(use.selected());
    CHECK(e2ee::aes256(c3_key).implementation() == impl);
    CHECK(e2ee::aes256(c3_key, impl).implementation() == impl);
  }
  {
    const test::force_cpu none("all");
    CHECK(e2ee::best_aes_impl() == e2ee::aes_impl::portable);
    CHECK(e2ee::aes256(c3_key).implementation() == e2ee::aes_impl::portable);
  }
  e2ee::cpu::feature_set f;
  CHECK(e2ee::best_aes_impl(f) == e2ee::aes_impl::portable);
#if E2EE_HAVE_X86_KERNELS
  f.aesni = f.sse41 = true;
  CHECK(e2ee::best_aes_impl(f) == e2ee::aes_impl::aesni);
  CHECK(e2ee::best_aes_impl(e2ee::cpu::mask_disabled(f, "aesni")) == e2ee::aes_impl::portable);
  f.avx = f.avx2 = f.vaes = true;
  CHECK(e2ee::best_aes_impl(f) == e2ee::aes_impl::vaes_avx2);
  CHECK(e2ee::best_aes_impl(e2ee::cpu::mask_disabled(f, "vaes")) == e2ee::aes_impl::aesni);
#endif
  for (const auto i : e2ee::all_aes_impls) CHECK_FALSE(e2ee::to_string(i).empty());
}

TEST_CASE("aes: FIPS-197 C.3 on every kernel", "[aes][fips]") {
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    INFO("kernel " << test::name(impl));
    const e2ee::aes256 a(c3_key, impl);
    std::array<std::uint8_t, 16> c{}, p{};
    a.encrypt_block(c3_pt, c);
    CHECK(c == c3_ct);
    a.decrypt_block(c, p);
    CHECK(p == c3_pt);
    // In place.
    a.encrypt_block(p, p);
    CHECK(p == c3_ct);
    // Bad sizes are refused, nothing written.
    std::array<std::uint8_t, 17> odd{};
    std::array<std::uint8_t, 32> two{};
    CHECK_FALSE(a.encrypt_blocks(odd, odd));
    CHECK_FALSE(a.decrypt_blocks(std::span<const std::uint8_t>(two).first(16), two));
    CHECK(a.encrypt_blocks({}, {}));
  }
}

TEST_CASE("aes: NIST CAVP ECB KAT and MMT on every kernel", "[aes][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  check_ecb_file("ECBGFSbox256.rsp", 10);
  check_ecb_file("ECBKeySbox256.rsp", 32);
  check_ecb_file("ECBVarKey256.rsp", 512);
  check_ecb_file("ECBVarTxt256.rsp", 256);
  check_ecb_file("ECBMMT256.rsp", 20);
}

// AESAVS 6.4.1 (ECB Monte Carlo): each record is one outer iteration: 1000
// chained block operations from KEY and PLAINTEXT (CIPHERTEXT for decrypt).
TEST_CASE("aes: NIST CAVP ECB Monte Carlo on every kernel", "[aes][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("nist/ECBMCT256.rsp");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("KEY");
  REQUIRE(records.size() == 200);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    std::size_t count = 0;
    for (const auto* rec : records) {
      INFO("kernel " << test::name(impl) << ", line " << rec->line);
      const e2ee::aes256 a(key32(field(*rec, "KEY")), impl);
      const bool enc = rec->section == "ENCRYPT";
      const auto from = field(*rec, enc ? "PLAINTEXT" : "CIPHERTEXT");
      const auto to = field(*rec, enc ? "CIPHERTEXT" : "PLAINTEXT");
      REQUIRE(from.size() == 16);
      std::array<std::uint8_t, 16> x{};
      std::copy(from.begin(), from.end(), x.begin());
      for (int j = 0; j < 1000; ++j) {
        if (enc) a.encrypt_block(x, x);
        else a.decrypt_block(x, x);
      }
      CHECK(test::hex(x) == test::hex(to));
      ++count;
    }
    CHECK(count == 200);
  }
}

// Signal's AES-256-CTR vectors (shared/vectors/signal/aes.json), built on the
// block function: counter block = nonce || be32(counter).
TEST_CASE("aes: Signal CTR vectors through the block function on every kernel", "[aes][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("signal/aes.json"));
  REQUIRE(text.has_value());
  const auto doc = test::json::parse(*text);
  REQUIRE(doc.ok());
  auto hexf = [&](std::string_view obj, std::string_view key) {
    const auto* o = doc.root->find(obj);
    REQUIRE(o != nullptr);
    const auto* v = o->find(key);
    REQUIRE(v != nullptr);
    REQUIRE(v->as_string() != nullptr);
    return test::unhex(*v->as_string());
  };
  struct ctr_case {
    std::string name;
    std::vector<std::uint8_t> key, counter0, input, output;
  };
  std::vector<ctr_case> cases;
  // aes_256_ctr_zero_nonce: counter block starts at 16 zero bytes.
  cases.push_back({"aes_256_ctr_zero_nonce", hexf("aes_256_ctr_zero_nonce", "key"), std::vector<std::uint8_t>(16, 0),
                   hexf("aes_256_ctr_zero_nonce", "plaintext"), hexf("aes_256_ctr_zero_nonce", "ciphertext")});
  {
    auto c0 = hexf("aes_256_ctr32_smoke", "nonce");
    for (const std::uint8_t b : std::array<std::uint8_t, 4>{0xfc, 0xfd, 0xfe, 0xff}) c0.push_back(b);  // init_ctr 0xFCFDFEFF
    cases.push_back({"aes_256_ctr32_smoke", hexf("aes_256_ctr32_smoke", "key"), c0,
                     hexf("aes_256_ctr32_smoke", "input"), hexf("aes_256_ctr32_smoke", "output")});
  }
  {
    auto c0 = hexf("aes_256_ctr32_long", "nonce");
    for (int i = 0; i < 4; ++i) c0.push_back(0);  // init_ctr 0
    const auto out = hexf("aes_256_ctr32_long", "output");
    cases.push_back({"aes_256_ctr32_long", hexf("aes_256_ctr32_long", "key"), c0,
                     std::vector<std::uint8_t>(out.size(), 0), out});  // keystream: zero input
  }
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    for (const auto& c : cases) {
      INFO("kernel " << test::name(impl) << ": " << c.name);
      REQUIRE(c.counter0.size() == 16);
      REQUIRE(c.input.size() == c.output.size());
      const e2ee::aes256 a(key32(c.key), impl);
      const std::size_t blocks = (c.input.size() + 15) / 16;
      std::vector<std::uint8_t> ctr(16 * blocks), ks(16 * blocks);
      std::uint32_t n = e2ee::load_be32(c.counter0.data() + 12);
      for (std::size_t b = 0; b < blocks; ++b) {
        std::copy(c.counter0.begin(), c.counter0.begin() + 12, ctr.begin() + static_cast<std::ptrdiff_t>(16 * b));
        e2ee::store_be32(ctr.data() + 16 * b + 12, n++);  // 32-bit counter wraps
      }
      REQUIRE(a.encrypt_blocks(ctr, ks));
      std::vector<std::uint8_t> out(c.input.size());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(c.input[i] ^ ks[i]);
      CHECK(test::hex(out) == test::hex(c.output));
    }
  }
}

TEST_CASE("aes: every kernel equals portable on random keys and 0..40 blocks", "[aes][random]") {
  test::rng r(0xae5);
  INFO("rng seed " << r.seed());
  for (int iter = 0; iter < 200; ++iter) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const std::size_t blocks = r.range(0, 40);
    const auto data = r.bytes(16 * blocks);
    const e2ee::aes256 ref(key, e2ee::aes_impl::portable);
    std::vector<std::uint8_t> want(data.size()), back(data.size());
    REQUIRE(ref.encrypt_blocks(data, want));
    REQUIRE(ref.decrypt_blocks(want, back));
    CHECK(back == data);
    for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
      INFO("kernel " << test::name(impl) << ", " << blocks << " blocks");
      const e2ee::aes256 a(key, impl);
      std::vector<std::uint8_t> got(data);
      REQUIRE(a.encrypt_blocks(got, got));  // in place
      CHECK(got == want);
      REQUIRE(a.decrypt_blocks(got, got));
      CHECK(got == data);
    }
  }
}

TEST_CASE("aes: a moved aes256 keeps working, the source's schedule is wiped", "[aes][move]") {
  static_assert(std::is_nothrow_move_constructible_v<e2ee::aes256> && std::is_nothrow_move_assignable_v<e2ee::aes256>);
  static_assert(!std::is_copy_constructible_v<e2ee::aes256> && !std::is_copy_assignable_v<e2ee::aes256>);
  std::array<std::uint8_t, 16> out{}, zero_key_ct{};
  const std::array<std::uint8_t, 32> zero_key{};
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    INFO("kernel " << test::name(impl));
    e2ee::aes256 a(c3_key, impl);
    e2ee::aes256 b(std::move(a));  // NOLINT(bugprone-use-after-move): the wiped source is checked below
    CHECK(b.implementation() == impl);
    b.encrypt_block(c3_pt, out);
    CHECK(out == c3_ct);
    b.decrypt_block(c3_ct, out);
    CHECK(out == c3_pt);
    e2ee::aes256 c(zero_key, impl);
    c = std::move(b);
    c.encrypt_block(c3_pt, out);
    CHECK(out == c3_ct);
    // Self-assignment through a reference keeps the key.
    e2ee::aes256& same = c;
    c = std::move(same);
    c.encrypt_block(c3_pt, out);
    CHECK(out == c3_ct);
    // The sources hold no key: every round key is zero (not the zero key's schedule).
    a.encrypt_block(c3_pt, out);
    CHECK(out != c3_ct);
    const e2ee::aes256 z(zero_key, impl);
    z.encrypt_block(c3_pt, zero_key_ct);
    CHECK(out != zero_key_ct);
  }
}
