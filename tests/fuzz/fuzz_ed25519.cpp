// tests/fuzz/fuzz_ed25519.cpp — differential fuzzing of Ed25519 against
// OpenSSL (EVP_PKEY_ED25519) and, when found, libsodium 1.0.18+
// (crypto_sign_*). Input: seed (32 bytes) || mutation kind (1) || mutation
// position (1) || message (rest). On the default and the portable kernels:
//   1. key_pair::from_seed gives the peers' public key, and sign gives their
//      signature byte for byte (Ed25519 signing is deterministic); every
//      verifier accepts it.
//   2. The signature, the message or the public key is mutated (a bit of R
//      or S or of the message, S + L, a byte appended or dropped, R replaced
//      by message bytes or by a point of small order, A replaced by A + T or
//      by T for a small-order T, or by message bytes) and the verdicts are
//      compared under the documented rule differences (docs/ed25519.md):
//        ours (RFC 8032 strict decoding, cofactored equation) vs
//        libsodium (rejects small-order A and R, cofactorless): libsodium
//          accepts => we accept; we accept and libsodium rejects => A or R
//          has a torsion component ([L]P != O).
//        OpenSSL (lenient decoding of A, cofactorless): OpenSSL accepts and
//          we reject => A's encoding is non-canonical (y >= p, or x = 0 with
//          the sign bit set); we accept and OpenSSL rejects => A or R has a
//          torsion component. Both reject S >= L.
//   3. verify_batch agrees with verify: on the mutated item alone, and with
//      it among two valid signatures (with the per-item report), using a
//      deterministic random source seeded from the input.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <openssl/evp.h>
#if defined(E2EE_FUZZ_SODIUM)
#include <sodium.h>
#endif

#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/edwards25519.hpp>
#include <e2ee/ec/field25519.hpp>

#include "fuzz_common.hpp"

namespace {

namespace ed25519 = e2ee::ed25519;
namespace ge = e2ee::detail::ed25519;
using bytes32 = std::array<std::uint8_t, 32>;

// L = 2^252 + 27742317777372353535851937790883648493, little endian.
constexpr bytes32 order_l{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                          0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                          0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

struct reference {
  bytes32 pub{};
  ed25519::signature sig{};
};

reference openssl_sign(const bytes32& seed, fuzz::cspan msg) {
  EVP_PKEY* priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32);
  fuzz::check(priv != nullptr, "OpenSSL accepts any 32-byte Ed25519 seed");
  reference r;
  std::size_t len = 32;
  fuzz::check(EVP_PKEY_get_raw_public_key(priv, r.pub.data(), &len) == 1 && len == 32,
              "EVP_PKEY_get_raw_public_key");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_MD_CTX_new");
  len = 64;
  fuzz::check(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, priv) == 1 &&
                  EVP_DigestSign(ctx, r.sig.data(), &len, fuzz::ptr(msg), msg.size()) == 1 && len == 64,
              "OpenSSL Ed25519 sign");
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(priv);
  return r;
}

bool openssl_verify(const ed25519::signature& sig, const bytes32& pub, fuzz::cspan msg) {
  EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), 32);
  if (pk == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_MD_CTX_new");
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk) == 1 &&
                  EVP_DigestVerify(ctx, sig.data(), sig.size(), fuzz::ptr(msg), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  return ok;
}

#if defined(E2EE_FUZZ_SODIUM)
reference sodium_sign(const bytes32& seed, fuzz::cspan msg) {
  reference r;
  std::array<std::uint8_t, 64> sk{};
  fuzz::check(crypto_sign_seed_keypair(r.pub.data(), sk.data(), seed.data()) == 0, "libsodium keypair");
  fuzz::check(crypto_sign_detached(r.sig.data(), nullptr, fuzz::ptr(msg), msg.size(), sk.data()) == 0,
              "libsodium sign");
  return r;
}
bool sodium_verify(const ed25519::signature& sig, const bytes32& pub, fuzz::cspan msg) {
  return crypto_sign_verify_detached(sig.data(), fuzz::ptr(msg), msg.size(), pub.data()) == 0;
}
#endif

// has_torsion: the encoding decodes (strictly) and [L]P is not the identity
// (P has a small-order component; small-order points included, except O).
bool has_torsion(std::span<const std::uint8_t, 32> enc) {
  ge::p3 p{};
  if (!ge::decode_vartime(enc, p)) return false;
  constexpr bytes32 zero{};
  return !ge::is_identity_vartime(ge::double_scalarmult_vartime(order_l, p, zero));
}

// non_canonical_but_lenient: strict decoding fails, but a decoder that
// reduces y mod p and ignores the sign of x = 0 (OpenSSL's) finds a point.
bool non_canonical_but_lenient(const bytes32& enc) {
  namespace f = e2ee::detail::f25519;
  ge::p3 p{};
  if (ge::decode_vartime(enc, p)) return false;  // canonical and decodable
  bytes32 reduced = f::to_bytes(f::from_bytes(enc));  // y mod p, sign bit clear
  bytes32 low = enc;
  low[31] = static_cast<std::uint8_t>(low[31] & 0x7f);
  const bool y_canonical = reduced == low;
  reduced[31] = static_cast<std::uint8_t>(reduced[31] | (enc[31] & 0x80));
  if (!y_canonical && ge::decode_vartime(reduced, p)) return true;  // y >= p names a point
  reduced[31] = static_cast<std::uint8_t>(reduced[31] & 0x7f);       // x = 0 with the sign bit set
  return (enc[31] & 0x80) != 0 && ge::decode_vartime(reduced, p) && f::is_zero_mask(p.x).declassify();
}

// torsion: the eight points of order dividing 8 (j·Q, Q of order 8).
const std::array<ge::p3, 8>& torsion() {
  static const std::array<ge::p3, 8> t = [] {
    constexpr bytes32 zero{};
    for (std::uint8_t y0 = 2;; ++y0) {
      bytes32 e{};
      e[0] = y0;
      ge::p3 p{};
      if (!ge::decode_vartime(e, p)) continue;
      const ge::p3 q = ge::double_scalarmult_vartime(order_l, p, zero);
      if (ge::is_identity_vartime(ge::dbl3(ge::dbl3(q)))) continue;
      std::array<ge::p3, 8> r{};
      r[0] = ge::identity;
      for (std::size_t j = 1; j < 8; ++j) r[j] = ge::add(r[j - 1], q);
      return r;
    }
  }();
  return t;
}

// s_plus_l: S + L (fits in 256 bits since S < L < 2^253).
void s_plus_l(ed25519::signature& sig) {
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned v = sig[32 + i] + order_l[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
}

// A deterministic random source for verify_batch (splitmix64 of the input).
struct input_rng {
  std::uint64_t s;
  bool fill(std::span<std::uint8_t> out) noexcept {
    for (auto& b : out) {
      s += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = s;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      b = static_cast<std::uint8_t>(z ^ (z >> 31));
    }
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 34) return 0;
  bytes32 seed{};
  std::copy(data, data + 32, seed.begin());
  const std::uint8_t kind = data[32];
  const std::uint8_t pos = data[33];
  const fuzz::cspan msg(data + 34, size - 34);

  const reference want = openssl_sign(seed, msg);
  fuzz::check(openssl_verify(want.sig, want.pub, msg), "OpenSSL verifies its own signature");
#if defined(E2EE_FUZZ_SODIUM)
  const reference na = sodium_sign(seed, msg);
  fuzz::check(na.pub == want.pub && na.sig == want.sig, "libsodium and OpenSSL agree on keys and signatures");
  fuzz::check(sodium_verify(want.sig, want.pub, msg), "libsodium verifies the signature");
#endif

  // The mutated signature, message and public key.
  ed25519::signature bad_sig = want.sig;
  bytes32 bad_pub = want.pub;
  std::vector<std::uint8_t> bad_msg(msg.begin(), msg.end());
  const auto& t = torsion();
  switch (kind % 8) {
    case 0:  // a bit of R or S
      bad_sig[pos % 64] = static_cast<std::uint8_t>(bad_sig[pos % 64] ^ (1u << ((kind >> 3) & 7)));
      break;
    case 1:  // a bit of the message
      if (!bad_msg.empty()) {
        const std::size_t i = pos % bad_msg.size();
        bad_msg[i] = static_cast<std::uint8_t>(bad_msg[i] ^ (1u << ((kind >> 3) & 7)));
      } else {
        bad_msg.push_back(pos);
      }
      break;
    case 2:  // non-canonical S: S + L
      s_plus_l(bad_sig);
      break;
    case 3:  // a byte appended
      bad_msg.push_back(pos);
      break;
    case 4:  // the last byte dropped, or R replaced by the message's first 32 bytes
      if (!bad_msg.empty() && (kind & 8u) == 0) {
        bad_msg.pop_back();
      } else if (msg.size() >= 32) {
        std::copy(msg.begin(), msg.begin() + 32, bad_sig.begin());
      } else {
        bad_sig[0] = static_cast<std::uint8_t>(bad_sig[0] ^ 1u);
      }
      break;
    case 5: {  // R replaced by a point of small order (S optionally 0)
      const bytes32 e = ge::encode(t[pos % 8]);
      std::copy(e.begin(), e.end(), bad_sig.begin());
      if (kind & 8u) std::fill(bad_sig.begin() + 32, bad_sig.end(), std::uint8_t{0});
      break;
    }
    case 6: {  // A replaced by A + T (mixed order) or by T (small order)
      ge::p3 a{};
      fuzz::check(ge::decode_vartime(want.pub, a), "an honest key decodes");
      bad_pub = (kind & 8u) ? ge::encode(t[pos % 8]) : ge::encode(ge::add(a, t[pos % 8]));
      if (kind & 16u) std::fill(bad_sig.begin() + 32, bad_sig.end(), std::uint8_t{0});
      break;
    }
    default:  // A replaced by the message's first 32 bytes (any encoding)
      if (msg.size() >= 32) std::copy(msg.begin(), msg.begin() + 32, bad_pub.begin());
      else bad_pub[pos % 32] = static_cast<std::uint8_t>(bad_pub[pos % 32] ^ 0x40u);
      break;
  }
  const std::span<const std::uint8_t, 32> r_enc(bad_sig.data(), 32);
  const bool torsion_involved = has_torsion(r_enc) || has_torsion(bad_pub);
  const bool openssl = openssl_verify(bad_sig, bad_pub, bad_msg);
  if (kind % 8 == 2) fuzz::check(!openssl, "OpenSSL rejects S >= L");
#if defined(E2EE_FUZZ_SODIUM)
  const bool sodium = sodium_verify(bad_sig, bad_pub, bad_msg);
#endif

  input_rng rng{static_cast<std::uint64_t>(kind) << 8 | pos};
  for (const auto k : {fuzz::kernels::best, fuzz::kernels::portable}) {
    fuzz::use(k);
    const auto kp = ed25519::key_pair::from_seed(seed);
    fuzz::check(kp.public_key == want.pub, "ed25519 public key vs OpenSSL");
    const ed25519::signature sig = ed25519::sign(kp, msg);
    fuzz::check(sig == want.sig, "ed25519 signature vs OpenSSL/libsodium");
    fuzz::check(ed25519::verify(sig, kp.public_key, msg), "ed25519 verifies a valid signature");

    const bool ours = ed25519::verify(bad_sig, bad_pub, bad_msg);
    if (openssl && !ours) fuzz::check(non_canonical_but_lenient(bad_pub), "OpenSSL accepts, we reject, A canonical");
    if (ours && !openssl) fuzz::check(torsion_involved, "we accept, OpenSSL rejects, no torsion in A or R");
#if defined(E2EE_FUZZ_SODIUM)
    if (sodium) fuzz::check(ours, "libsodium accepts a signature that we reject");
    if (ours && !sodium) fuzz::check(torsion_involved, "we accept, libsodium rejects, no torsion in A or R");
#endif
    if (kind % 8 == 2) fuzz::check(!ours, "ed25519 verify rejects S >= L");

    // Single and batch verification agree.
    const ed25519::signed_message one{bad_sig, bad_pub, bad_msg};
    fuzz::check(ed25519::verify_batch(std::span<const ed25519::signed_message>(&one, 1), rng) == ours,
                "verify_batch of one item == verify");
    const std::array<ed25519::signed_message, 3> three{
        ed25519::signed_message{sig, kp.public_key, msg}, one, ed25519::signed_message{sig, kp.public_key, msg}};
    std::array<bool, 3> valid{};
    fuzz::check(ed25519::verify_batch(three, valid, rng) == ours, "verify_batch of three == verify");
    fuzz::check(valid[0] && valid[2] && valid[1] == ours, "verify_batch report == verify");
  }
  return 0;
}
