// AES-256-CBC with PKCS#7 (e2ee::aes256_cbc) on every kernel: NIST CAVP CBC
// KAT, MMT and MCT files (raw CBC, whole blocks), Wycheproof aes_cbc_pkcs5
// (256-bit keys), Signal's CBC vector, padding edge cases, and every kernel
// against the portable path on random inputs.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/cipher/aes.hpp>
#include <e2ee/cipher/cbc.hpp>

#include "support/bytes.hpp"
#include "support/json.hpp"
#include "support/kernels_aes.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

using cbc = e2ee::aes256_cbc;

std::vector<std::uint8_t> field(const test::rsp::record& rec, std::string_view key) {
  auto v = rec.hex(key);
  if (!v) throw std::runtime_error("record at line " + std::to_string(rec.line) + ": no hex field " + std::string(key));
  return std::move(*v);
}

template <std::size_t N>
std::array<std::uint8_t, N> fixed(const std::vector<std::uint8_t>& v) {
  if (v.size() != N) throw std::runtime_error("field of wrong size " + std::to_string(v.size()));
  std::array<std::uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

void check_cbc_file(const std::string& file, std::size_t expected) {
  const auto f = test::rsp::load_external("nist/" + file);
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("KEY");
  REQUIRE(records.size() == expected);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    std::size_t enc = 0, dec = 0;
    for (const auto* rec : records) {
      INFO(file << " kernel " << test::name(impl) << ", line " << rec->line);
      const auto key = fixed<32>(field(*rec, "KEY"));
      const auto iv = fixed<16>(field(*rec, "IV"));
      const auto pt = field(*rec, "PLAINTEXT"), ct = field(*rec, "CIPHERTEXT");
      REQUIRE(pt.size() == ct.size());
      std::vector<std::uint8_t> out(pt.size());
      if (rec->section == "ENCRYPT") {
        REQUIRE(cbc::encrypt_blocks(key, iv, pt, out, impl));
        CHECK(test::hex(out) == test::hex(ct));
        // PKCS#7 encryption of whole blocks = raw CBC plus one padding block.
        const auto padded = cbc::encrypt(key, iv, pt, impl);
        REQUIRE(padded.size() == pt.size() + 16);
        CHECK(test::hex(std::span<const std::uint8_t>(padded).first(pt.size())) == test::hex(ct));
        const auto back = cbc::decrypt(key, iv, padded, impl);
        REQUIRE(back.has_value());
        CHECK(test::hex(*back) == test::hex(pt));
        ++enc;
      } else {
        REQUIRE(rec->section == "DECRYPT");
        REQUIRE(cbc::decrypt_blocks(key, iv, ct, out, impl));
        CHECK(test::hex(out) == test::hex(pt));
        ++dec;
      }
    }
    CHECK(enc == expected / 2);
    CHECK(dec == expected / 2);
  }
}

}  // namespace

TEST_CASE("cbc: NIST CAVP CBC KAT and MMT on every kernel", "[cbc][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  check_cbc_file("CBCGFSbox256.rsp", 10);
  check_cbc_file("CBCKeySbox256.rsp", 32);
  check_cbc_file("CBCVarKey256.rsp", 512);
  check_cbc_file("CBCVarTxt256.rsp", 256);
  check_cbc_file("CBCMMT256.rsp", 20);
}

// AESAVS 6.4.2 (CBC Monte Carlo), one outer iteration per record:
//   encrypt: CT[j] = E(PT[j] ^ CT[j-1]) (CT[-1] = IV); PT[j+1] = CT[j-1] (IV for j = 0)
//   decrypt: PT[j] = D(CT[j]) ^ CT[j-1] (CT[-1] = IV); CT[j+1] = PT[j-1] (IV for j = 0)
// Each step is one block of e2ee::aes256_cbc::{en,de}crypt_blocks with the
// chaining value as IV.
TEST_CASE("cbc: NIST CAVP CBC Monte Carlo on every kernel", "[cbc][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("nist/CBCMCT256.rsp");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("KEY");
  REQUIRE(records.size() == 200);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    std::size_t count = 0;
    for (const auto* rec : records) {
      INFO("kernel " << test::name(impl) << ", line " << rec->line);
      const auto key = fixed<32>(field(*rec, "KEY"));
      const auto iv = fixed<16>(field(*rec, "IV"));
      const bool enc = rec->section == "ENCRYPT";
      auto in = fixed<16>(field(*rec, enc ? "PLAINTEXT" : "CIPHERTEXT"));
      const auto want = field(*rec, enc ? "CIPHERTEXT" : "PLAINTEXT");
      std::array<std::uint8_t, 16> chain = iv, out{}, prev_out = iv;
      for (int j = 0; j < 1000; ++j) {
        if (enc) {
          REQUIRE(cbc::encrypt_blocks(key, chain, in, out, impl));
          chain = out;
        } else {
          REQUIRE(cbc::decrypt_blocks(key, chain, in, out, impl));
          chain = in;
        }
        in = j == 0 ? iv : prev_out;
        prev_out = out;
      }
      CHECK(test::hex(out) == test::hex(want));
      ++count;
    }
    CHECK(count == 200);
  }
}

TEST_CASE("cbc: Wycheproof aes_cbc_pkcs5 (256-bit keys) on every kernel", "[cbc][wycheproof]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto suite = test::wycheproof::load_ind_cpa("aes_cbc_pkcs5_test.json");
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    std::size_t valid = 0, invalid = 0;
    for (const auto& t : suite.tests) {
      if (t.key_size_bits != 256) continue;
      INFO("kernel " << test::name(impl) << ", tcId " << t.id << ": " << t.comment);
      const auto key = fixed<32>(t.key);
      const auto iv = fixed<16>(t.iv);
      const auto got = cbc::decrypt(key, iv, t.ct, impl);
      if (t.valid()) {
        CHECK(test::hex(cbc::encrypt(key, iv, t.msg, impl)) == test::hex(t.ct));
        REQUIRE(got.has_value());
        CHECK(test::hex(*got) == test::hex(t.msg));
        ++valid;
      } else {
        REQUIRE(t.invalid());  // the file has no "acceptable" cases
        CHECK_FALSE(got.has_value());
        ++invalid;
      }
    }
    CHECK(valid == 24);
    CHECK(invalid == 48);
  }
}

TEST_CASE("cbc: Signal vector (shared/vectors/signal/aes.json) on every kernel", "[cbc][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("signal/aes.json"));
  REQUIRE(text.has_value());
  const auto doc = test::json::parse(*text);
  REQUIRE(doc.ok());
  const auto* c = doc.root->find("aes_256_cbc_pkcs7");
  REQUIRE(c != nullptr);
  auto hexf = [&](std::string_view key) {
    const auto* v = c->find(key);
    REQUIRE(v != nullptr);
    REQUIRE(v->as_string() != nullptr);
    return test::unhex(*v->as_string());
  };
  const auto key = fixed<32>(hexf("key"));
  const auto iv = fixed<16>(hexf("iv")), bad_iv = fixed<16>(hexf("bad_iv"));
  const auto pt = hexf("plaintext"), ct = hexf("ciphertext"), pt_bad = hexf("plaintext_decrypted_with_bad_iv");
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    INFO("kernel " << test::name(impl));
    CHECK(test::hex(cbc::encrypt(key, iv, pt, impl)) == test::hex(ct));
    const auto p = cbc::decrypt(key, iv, ct, impl);
    REQUIRE(p.has_value());
    CHECK(test::hex(*p) == test::hex(pt));
    const auto pb = cbc::decrypt(key, bad_iv, ct, impl);
    REQUIRE(pb.has_value());
    CHECK(test::hex(*pb) == test::hex(pt_bad));
    CHECK_FALSE(cbc::decrypt(key, iv, pt, impl).has_value());  // 10 bytes: not whole blocks
    CHECK_FALSE(cbc::decrypt(key, fixed<16>(ct), ct, impl).has_value());  // ciphertext as IV: bad padding
  }
}

TEST_CASE("cbc: padding edge cases on every kernel", "[cbc][padding]") {
  const std::array<std::uint8_t, 32> key{1, 2, 3};
  const std::array<std::uint8_t, 16> iv{4, 5, 6};
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    INFO("kernel " << test::name(impl));
    // Lengths: 0 and 16 gain a full padding block; 15 gains one byte.
    for (const std::size_t n : std::array<std::size_t, 8>{0, 1, 15, 16, 17, 31, 32, 33}) {
      const std::vector<std::uint8_t> pt(n, 0xab);
      const auto c = cbc::encrypt(key, iv, pt, impl);
      CHECK(c.size() == (n / 16 + 1) * 16);
      const auto p = cbc::decrypt(key, iv, c, impl);
      REQUIRE(p.has_value());
      CHECK(*p == pt);
    }
    // Empty or partial ciphertexts: nullopt.
    for (std::size_t n = 0; n < 40; ++n) {
      if (n != 0 && n % 16 == 0) continue;
      CHECK_FALSE(cbc::decrypt(key, iv, std::vector<std::uint8_t>(n, 7), impl).has_value());
    }
    // Every possible last byte of a decrypted block with known contents: build
    // plaintext blocks with raw CBC and check exactly the valid paddings pass.
    for (unsigned last = 0; last < 256; ++last) {
      for (const unsigned fill : {last, 0x10u, 0x00u}) {
        std::array<std::uint8_t, 32> plain{};
        for (std::size_t i = 16; i < 32; ++i) plain[i] = static_cast<std::uint8_t>(fill);
        plain[31] = static_cast<std::uint8_t>(last);
        std::array<std::uint8_t, 32> c{};
        REQUIRE(cbc::encrypt_blocks(key, iv, plain, c, impl));
        bool valid = last >= 1 && last <= 16;
        for (std::size_t i = 0; valid && i < last; ++i) valid = plain[31 - i] == last;
        const auto p = cbc::decrypt(key, iv, c, impl);
        INFO("last byte " << last << ", fill " << fill);
        CHECK(p.has_value() == valid);
        if (p) CHECK(p->size() == 32 - last);
      }
    }
    // Size mismatch on the raw functions: false, output zeroed.
    std::array<std::uint8_t, 32> out{};
    out.fill(9);
    CHECK_FALSE(cbc::encrypt_blocks(key, iv, std::span<const std::uint8_t>(out).first(16), out, impl));
    CHECK(out == std::array<std::uint8_t, 32>{});
  }
}

TEST_CASE("cbc: every kernel equals portable on random inputs of length 0..600", "[cbc][random]") {
  test::rng r(0xcbc);
  INFO("rng seed " << r.seed());
  for (std::size_t n = 0; n <= 600; ++n) {
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 16> iv{};
    r.fill(key);
    r.fill(iv);
    const auto pt = r.bytes(n);
    const auto want = cbc::encrypt(key, iv, pt, e2ee::aes_impl::portable);
    for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
      INFO("kernel " << test::name(impl) << ", length " << n);
      const auto c = cbc::encrypt(key, iv, pt, impl);
      CHECK(c == want);
      const auto p = cbc::decrypt(key, iv, c, impl);
      REQUIRE(p.has_value());
      CHECK(*p == pt);
      // Default kernel (best available) agrees too.
      CHECK(cbc::encrypt(key, iv, pt) == want);
      // A flipped bit in the last block almost always breaks the padding;
      // whatever happens, no crash and the result is consistent across kernels.
      auto bad = c;
      bad[bad.size() - 1 - r.below(16)] ^= static_cast<std::uint8_t>(1u << r.below(8));
      const auto pb = cbc::decrypt(key, iv, bad, impl);
      const auto pb_ref = cbc::decrypt(key, iv, bad, e2ee::aes_impl::portable);
      CHECK(pb == pb_ref);
    }
  }
}

// The raw CBC functions in place and in two chained calls, on every kernel,
// across the 8- and 16-block loops of the kernels and their tails (0..80
// blocks): equal to one portable call.
TEST_CASE("cbc: raw blocks in place and chained over two calls on every kernel", "[cbc][random]") {
  test::rng r(0xcbc2);
  INFO("rng seed " << r.seed());
  for (std::size_t blocks = 0; blocks <= 80; ++blocks) {
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 16> iv{};
    r.fill(key);
    r.fill(iv);
    const auto pt = r.bytes(16 * blocks);
    std::vector<std::uint8_t> want(pt.size());
    REQUIRE(cbc::encrypt_blocks(key, iv, pt, want, e2ee::aes_impl::portable));
    const std::size_t split = 16 * r.range(0, blocks);
    for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
      INFO("kernel " << test::name(impl) << ", blocks " << blocks << ", split " << split);
      auto buf = pt;
      REQUIRE(cbc::encrypt_blocks(key, iv, buf, buf, impl));
      CHECK(buf == want);
      REQUIRE(cbc::decrypt_blocks(key, iv, buf, buf, impl));
      CHECK(buf == pt);
      // Two calls, the second chained on the first's last ciphertext block.
      std::array<std::uint8_t, 16> iv2 = iv;
      if (split != 0) std::copy_n(want.begin() + static_cast<std::ptrdiff_t>(split) - 16, 16, iv2.begin());
      const std::span<const std::uint8_t> c(want);
      std::vector<std::uint8_t> p(pt.size());
      const std::span<std::uint8_t> ps(p);
      REQUIRE(cbc::decrypt_blocks(key, iv, c.first(split), ps.first(split), impl));
      REQUIRE(cbc::decrypt_blocks(key, iv2, c.subspan(split), ps.subspan(split), impl));
      CHECK(p == pt);
    }
  }
}

namespace {

// split_points: 0 = p_0 <= p_1 <= ... <= p_k = blocks, k random in 1..4,
// each at a random block.
std::vector<std::size_t> split_points(test::rng& r, std::size_t blocks) {
  std::vector<std::size_t> p{0, blocks};
  const std::size_t cuts = r.range(0, 3);
  for (std::size_t i = 0; i < cuts; ++i) p.push_back(r.range(0, blocks));
  std::sort(p.begin(), p.end());
  return p;
}

}  // namespace

// encryptor / decryptor (a key expanded once, the chain carried between
// calls) against the one-shot calls on every kernel: 0..80 whole blocks cut
// at random block boundaries plus a tail of 0..15 bytes, in place and out of
// place; a move in the middle; restart() for a second message.
TEST_CASE("cbc: encryptor and decryptor on a kept key equal the one-shot calls on every kernel",
          "[cbc][chained]") {
  test::rng r(0xcbc3);
  INFO("rng seed " << r.seed());
  for (std::size_t blocks = 0; blocks <= 80; ++blocks) {
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 16> iv{}, iv2{};
    r.fill(key);
    r.fill(iv);
    r.fill(iv2);
    const std::size_t tail = r.range(0, 15);
    const auto pt = r.bytes(16 * blocks + tail);
    const auto want = cbc::encrypt(key, iv, pt, e2ee::aes_impl::portable);
    REQUIRE(want.size() == cbc::padded_size(pt.size()));
    const auto cuts = split_points(r, blocks);
    for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
      for (const bool in_place : {false, true}) {
        INFO("kernel " << test::name(impl) << ", blocks " << blocks << ", tail " << tail << ", cuts "
                       << cuts.size() - 2 << ", in place " << in_place);
        // Encrypt: whole blocks in pieces, then the tail with the padding.
        cbc::encryptor e(key, iv, impl);
        CHECK(e.implementation() == impl);
        std::vector<std::uint8_t> c(want.size());
        if (in_place) std::copy(pt.begin(), pt.end(), c.begin());
        const std::span<std::uint8_t> cs(c);
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
          const std::size_t a = 16 * cuts[i], b = 16 * cuts[i + 1];
          const std::span<const std::uint8_t> in =
              in_place ? std::span<const std::uint8_t>(cs.subspan(a, b - a)) : std::span(pt).subspan(a, b - a);
          REQUIRE(e.update(in, cs.subspan(a, b - a)));
          const std::uint8_t* expect_chain = b == 0 ? iv.data() : want.data() + b - 16;
          CHECK(std::equal(e.chain().begin(), e.chain().end(), expect_chain));
        }
        const std::size_t body = 16 * blocks;
        const std::span<const std::uint8_t> last =
            in_place ? std::span<const std::uint8_t>(cs.subspan(body, tail)) : std::span(pt).subspan(body, tail);
        REQUIRE(e.finish(last, cs.subspan(body)));
        CHECK(c == want);

        // Decrypt: the blocks before the last in pieces, the last block(s) through finish().
        cbc::decryptor d(key, iv, impl);
        std::vector<std::uint8_t> p(want.size());
        if (in_place) p = want;
        const std::span<std::uint8_t> ps(p);
        const std::size_t total = want.size() / 16;
        const std::size_t fin = 16 * r.range(cuts[cuts.size() - 2], total - 1);  // finish gets [fin, end)
        std::size_t at = 0;
        for (std::size_t i = 0; i + 1 < cuts.size() && 16 * cuts[i + 1] <= fin; ++i) {
          const std::size_t a = 16 * cuts[i], b = 16 * cuts[i + 1];
          const std::span<const std::uint8_t> in =
              in_place ? std::span<const std::uint8_t>(ps.subspan(a, b - a)) : std::span(want).subspan(a, b - a);
          REQUIRE(d.update(in, ps.subspan(a, b - a)));
          at = b;
        }
        if (at < fin) {
          // Move the decryptor half-way: the new one continues the chain.
          cbc::decryptor moved(std::move(d));
          CHECK(moved.implementation() == impl);
          const std::span<const std::uint8_t> in = in_place ? std::span<const std::uint8_t>(ps.subspan(at, fin - at))
                                                            : std::span(want).subspan(at, fin - at);
          REQUIRE(moved.update(in, ps.subspan(at, fin - at)));
          d = std::move(moved);
        }
        const std::span<const std::uint8_t> fin_in =
            in_place ? std::span<const std::uint8_t>(ps.subspan(fin)) : std::span(want).subspan(fin);
        const auto n = d.finish(fin_in, ps.subspan(fin));
        REQUIRE(n.has_value());
        CHECK(fin + *n == pt.size());
        CHECK(std::equal(pt.begin(), pt.end(), p.begin()));
        // The padding bytes are wiped.
        CHECK(std::all_of(p.begin() + std::ptrdiff_t(pt.size()), p.end(), [](std::uint8_t x) { return x == 0; }));

        // A second message under the same objects, from another IV.
        e.restart(iv2);
        std::vector<std::uint8_t> c2(want.size());
        REQUIRE(e.finish(pt, c2));
        CHECK(c2 == cbc::encrypt(key, iv2, pt, e2ee::aes_impl::portable));
        d.restart(iv2);
        const auto n2 = d.finish(c2, c2);
        REQUIRE(n2.has_value());
        CHECK(std::equal(pt.begin(), pt.end(), c2.begin()));
      }
    }
  }
}

// decryptor::finish on bad padding (the last byte of every value, and a bad
// byte inside a valid-looking padding) agrees with the one-shot decrypt on
// every kernel: nullopt, everything it wrote wiped; argument errors: false
// or nullopt with the output zeroed and the chain unchanged.
TEST_CASE("cbc: decryptor rejects bad padding and bad sizes on every kernel", "[cbc][chained][padding]") {
  test::rng r(0xcbc4);
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> iv{};
  r.fill(key);
  r.fill(iv);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    for (unsigned last = 0; last < 256; ++last) {
      for (const std::size_t blocks : {std::size_t{1}, std::size_t{3}}) {
        // Plaintext blocks whose last block ends in `last`, preceded by
        // bytes equal to `last` except one random position.
        auto plain = r.bytes(16 * blocks);
        for (std::size_t i = 0; i < 16; ++i) plain[plain.size() - 16 + i] = static_cast<std::uint8_t>(last);
        const std::size_t broken = r.range(1, 15);
        if (r.below(2) == 0) plain[plain.size() - 1 - broken] ^= 0x5a;
        std::vector<std::uint8_t> c(plain.size());
        REQUIRE(cbc::encrypt_blocks(key, iv, plain, c, impl));
        const auto want = cbc::decrypt(key, iv, c, e2ee::aes_impl::portable);
        INFO("kernel " << test::name(impl) << ", last byte " << last << ", blocks " << blocks);
        cbc::decryptor d(key, iv, impl);
        std::vector<std::uint8_t> out(c.size(), 0xee);
        const std::size_t head = 16 * (blocks - 1);
        REQUIRE(d.update(std::span(c).first(head), std::span(out).first(head)));
        const auto n = d.finish(std::span(c).subspan(head), std::span(out).subspan(head));
        REQUIRE(n.has_value() == want.has_value());
        if (n) {
          CHECK(head + *n == want->size());
          CHECK(std::equal(want->begin(), want->end(), out.begin()));
        } else {
          CHECK(std::all_of(out.begin() + std::ptrdiff_t(head), out.end(), [](std::uint8_t x) { return x == 0; }));
        }
      }
    }
    // Bad sizes: false / nullopt, the output span given zeroed, the chain unchanged.
    cbc::encryptor e(key, iv, impl);
    cbc::decryptor d(key, iv, impl);
    std::array<std::uint8_t, 48> in{}, out{};
    r.fill(in);
    const auto zeroed = [&](std::size_t n) {
      const bool z = std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n),
                                 [](std::uint8_t x) { return x == 0; });
      out.fill(9);
      return z;
    };
    out.fill(9);
    CHECK_FALSE(e.update(std::span(in).first(17), std::span(out).first(17)));
    CHECK(zeroed(17));
    CHECK_FALSE(e.update(std::span(in).first(16), std::span(out).first(32)));
    CHECK(zeroed(32));
    CHECK_FALSE(e.finish(std::span(in).first(16), std::span(out).first(16)));  // needs 32
    CHECK(zeroed(16));
    CHECK(std::equal(iv.begin(), iv.end(), e.chain().begin()));
    CHECK_FALSE(d.update(std::span(in).first(8), std::span(out).first(8)));
    CHECK(zeroed(8));
    CHECK_FALSE(d.finish(std::span(in).first(0), std::span(out)).has_value());
    CHECK(zeroed(48));
    CHECK_FALSE(d.finish(std::span(in).first(24), std::span(out)).has_value());
    CHECK(zeroed(48));
    CHECK_FALSE(d.finish(std::span(in).first(32), std::span(out).first(16)).has_value());
    CHECK(zeroed(16));
    CHECK(std::equal(iv.begin(), iv.end(), d.chain().begin()));
    // Still usable after the rejected calls: equal to the one-shot call.
    std::vector<std::uint8_t> c(32);
    REQUIRE(e.finish(std::span(in).first(16), c));
    CHECK(c == cbc::encrypt(key, iv, std::span(in).first(16), e2ee::aes_impl::portable));
  }
}
