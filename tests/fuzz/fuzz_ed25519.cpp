// tests/fuzz/fuzz_ed25519.cpp — differential fuzzing of Ed25519 against
// OpenSSL (EVP_PKEY_ED25519). Input: seed (32 bytes) || mutation kind (1) ||
// mutation position (1) || message (rest). On the default and the portable
// kernels:
//   1. key_pair::from_seed gives OpenSSL's public key, and sign gives
//      OpenSSL's signature byte for byte (Ed25519 signing is deterministic);
//      both verifiers accept it.
//   2. The signature or the message is mutated (a bit flipped in R or S or in
//      the message, S replaced by S + L, a byte appended to or dropped from
//      the message) and both verdicts are compared.
//
// Rule differences (see the rule in e2ee/ec/ed25519.hpp): we use the
// cofactored equation [8]([S]B - [k]A - R) = 0 with strict decoding of A and
// R; OpenSSL computes R' = [S]B - [k]A and compares its canonical encoding
// with the R bytes (cofactorless). Both reject S >= L. The public key here
// is never mutated: it always comes from a seed, so A is canonical and
// torsion-free, and then the rules provably agree except in one direction:
//   - non-canonical or undecodable R: we reject at decoding; OpenSSL's R' is
//     a canonical encoding, so the byte comparison fails too: agree;
//   - decodable canonical R: OpenSSL accepts iff R = R'; we accept iff
//     R - R' has small order. R' lies in the prime-order subgroup (A is
//     torsion-free), so the verdicts differ only if R = R' + T with T a
//     nonzero small-order point, i.e. R has a torsion component ([L]R != 0).
// So: OpenSSL accepts => we accept, always; we accept while OpenSSL rejects
// is allowed only when [L]R is not the identity, which is checked.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <openssl/evp.h>

#include <e2ee/ec/ed25519.hpp>

#include "fuzz_common.hpp"

namespace {

namespace ed25519 = e2ee::ed25519;
using bytes32 = std::array<std::uint8_t, 32>;

// L = 2^252 + 27742317777372353535851937790883648493, little endian.
constexpr bytes32 order_l{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                          0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                          0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

struct openssl_result {
  bytes32 pub{};
  ed25519::signature sig{};
};

openssl_result openssl_sign(const bytes32& seed, fuzz::cspan msg) {
  EVP_PKEY* priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32);
  fuzz::check(priv != nullptr, "OpenSSL accepts any 32-byte Ed25519 seed");
  openssl_result r;
  std::size_t len = 32;
  fuzz::check(EVP_PKEY_get_raw_public_key(priv, r.pub.data(), &len) == 1 && len == 32,
              "EVP_PKEY_get_raw_public_key");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_MD_CTX_new");
  len = 64;
  fuzz::check(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, priv) == 1 &&
                  EVP_DigestSign(ctx, r.sig.data(), &len, fuzz::ptr(msg), msg.size()) == 1 &&
                  len == 64,
              "OpenSSL Ed25519 sign");
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(priv);
  return r;
}

bool openssl_verify(const ed25519::signature& sig, const bytes32& pub, fuzz::cspan msg) {
  EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), 32);
  fuzz::check(pk != nullptr, "OpenSSL loads the public key");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_MD_CTX_new");
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk) == 1 &&
                  EVP_DigestVerify(ctx, sig.data(), sig.size(), fuzz::ptr(msg), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  return ok;
}

// has_torsion: R decodes and [L]R is not the identity.
bool has_torsion(std::span<const std::uint8_t, 32> r_enc) {
  namespace ge = e2ee::detail::ed25519;
  ge::p3 r{};
  if (!ge::decode_vartime(r_enc, r)) return false;
  constexpr bytes32 zero{};
  return !ge::is_identity_vartime(ge::double_scalarmult_vartime(order_l, r, zero));
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 34) return 0;
  bytes32 seed{};
  std::copy(data, data + 32, seed.begin());
  const std::uint8_t kind = data[32];
  const std::uint8_t pos = data[33];
  const fuzz::cspan msg(data + 34, size - 34);

  const openssl_result want = openssl_sign(seed, msg);
  fuzz::check(openssl_verify(want.sig, want.pub, msg), "OpenSSL verifies its own signature");

  // The mutated signature and message.
  ed25519::signature bad_sig = want.sig;
  std::vector<std::uint8_t> bad_msg(msg.begin(), msg.end());
  switch (kind % 5) {
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
    default:  // the last byte dropped, or R replaced by the message's first 32 bytes
      if (!bad_msg.empty() && (kind & 8u) == 0) {
        bad_msg.pop_back();
      } else if (msg.size() >= 32) {
        std::copy(msg.begin(), msg.begin() + 32, bad_sig.begin());
      } else {
        bad_sig[0] = static_cast<std::uint8_t>(bad_sig[0] ^ 1u);
      }
      break;
  }
  const bool theirs = openssl_verify(bad_sig, want.pub, bad_msg);
  if (kind % 5 == 2) fuzz::check(!theirs, "OpenSSL rejects S >= L");

  for (const auto k : {fuzz::kernels::best, fuzz::kernels::portable}) {
    fuzz::use(k);
    const auto kp = ed25519::key_pair::from_seed(seed);
    fuzz::check(kp.public_key == want.pub, "ed25519 public key vs OpenSSL");
    const ed25519::signature sig = ed25519::sign(kp, msg);
    fuzz::check(sig == want.sig, "ed25519 signature vs OpenSSL");
    fuzz::check(ed25519::verify(sig, kp.public_key, msg), "ed25519 verifies a valid signature");

    const bool ours = ed25519::verify(bad_sig, want.pub, bad_msg);
    if (theirs) fuzz::check(ours, "OpenSSL accepts a mutated signature that we reject");
    if (ours && !theirs) {
      fuzz::check(has_torsion(std::span<const std::uint8_t, 32>(bad_sig.data(), 32)),
                  "we accept, OpenSSL rejects, and R has no torsion component");
    }
    if (kind % 5 == 2) fuzz::check(!ours, "ed25519 verify rejects S >= L");
  }
  return 0;
}
