// tests/fuzz/fuzz_xeddsa.cpp — XEdDSA (ec/xeddsa.hpp) against
// libsignal-protocol-c's curve25519_sign / curve25519_verify when it was found
// at configure time (E2EE_FUZZ_LIBSIGNAL_C); otherwise self-consistency only
// (a line says so at start-up). Input: X25519 secret (32) || random (64) ||
// mutation kind (1) || position (1) || message (rest). On the default and
// the portable kernels:
//   1. sign gives libsignal's signature byte for byte (for the clamped key:
//      libsignal uses the key bytes as given, we clamp first), and both
//      verifiers accept it under x25519::public_key of the key.
//   2. The signature, the message or the public key is mutated (a bit of R or
//      s or the sign bit; s + L; bits 253/254 of s; a message bit; a byte
//      appended; the public key replaced by 32 message bytes, i.e. any u,
//      small-order and non-canonical ones included) and both verdicts must
//      be equal — except for u = -1 (mod p), the documented difference:
//      libsignal-protocol-c maps it to y = 0, we (and Rust libsignal) reject.
//      Without the peer: every single-bit change of the signature and every
//      message change must be rejected.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>

#include <e2ee/ec/field25519.hpp>
#include <e2ee/ec/x25519.hpp>
#include <e2ee/ec/xeddsa.hpp>

#include "fuzz_common.hpp"

#if defined(E2EE_FUZZ_LIBSIGNAL_C)
// Exported by libsignal-protocol-c but not declared in its installed headers.
extern "C" {
int curve25519_sign(unsigned char* signature_out, const unsigned char* curve25519_privkey, const unsigned char* msg,
                    unsigned long msg_len, const unsigned char* random);
int curve25519_verify(const unsigned char* signature, const unsigned char* curve25519_pubkey,
                      const unsigned char* msg, unsigned long msg_len);
}
#endif

namespace {

namespace xeddsa = e2ee::xeddsa;
using bytes32 = std::array<std::uint8_t, 32>;

// L, little endian.
constexpr bytes32 order_l{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                          0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                          0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// s_plus_l: s + L in place (bit 255, the sign, kept aside and put back).
void s_plus_l(xeddsa::signature& sig) {
  const std::uint8_t sign = sig[63] & 0x80u;
  sig[63] = static_cast<std::uint8_t>(sig[63] & 0x7fu);
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned v = sig[32 + i] + order_l[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  sig[63] = static_cast<std::uint8_t>(sig[63] | sign);
}

bool is_minus_one(const bytes32& u) {
  namespace f = e2ee::detail::f25519;
  return f::is_zero_mask(f::carry(f::add(f::from_bytes(u), f::one))).declassify();
}

#if defined(E2EE_FUZZ_LIBSIGNAL_C)
const std::uint8_t* ptr_or_dummy(fuzz::cspan s) {
  static const std::uint8_t dummy = 0;
  return s.empty() ? &dummy : s.data();
}
xeddsa::signature c_sign(const bytes32& k, fuzz::cspan msg, std::span<const std::uint8_t, 64> z) {
  xeddsa::signature out{};
  fuzz::check(curve25519_sign(out.data(), k.data(), ptr_or_dummy(msg), msg.size(), z.data()) == 0,
              "libsignal curve25519_sign");
  return out;
}
bool c_verify(const bytes32& u, fuzz::cspan msg, const xeddsa::signature& sig) {
  return curve25519_verify(sig.data(), u.data(), ptr_or_dummy(msg), msg.size()) == 0;
}
#endif

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
#if defined(E2EE_FUZZ_LIBSIGNAL_C)
  std::fprintf(stderr, "fuzz_xeddsa: differential against libsignal-protocol-c\n");
#else
  std::fprintf(stderr, "fuzz_xeddsa: libsignal-protocol-c not found at configure time: self-consistency only\n");
#endif
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 98) return 0;
  bytes32 key{};
  std::copy(data, data + 32, key.begin());
  const std::span<const std::uint8_t, 64> z(data + 32, 64);
  const std::uint8_t kind = data[96];
  const std::uint8_t pos = data[97];
  const fuzz::cspan msg(data + 98, size - 98);

  for (const auto k : {fuzz::kernels::best, fuzz::kernels::portable}) {
    fuzz::use(k);
    const bytes32 pub = e2ee::x25519::public_key(key);
    const xeddsa::signature sig = xeddsa::sign(key, msg, z);
    fuzz::check(xeddsa::verify(pub, msg, sig), "xeddsa verifies its own signature");
#if defined(E2EE_FUZZ_LIBSIGNAL_C)
    const bytes32 clamped = xeddsa::detail::clamp(key);
    fuzz::check(fuzz::same(sig, c_sign(clamped, msg, z)), "xeddsa signature vs libsignal-protocol-c");
    fuzz::check(c_verify(pub, msg, sig), "libsignal-protocol-c verifies our signature");
#endif

    xeddsa::signature bad_sig = sig;
    std::vector<std::uint8_t> bad_msg(msg.begin(), msg.end());
    bytes32 bad_pub = pub;
    bool must_fail = true;  // without the peer: the mutation must be rejected
    switch (kind % 6) {
      case 0:  // a bit of R or s (bit 511 is the sign bit)
        bad_sig[pos % 64] = static_cast<std::uint8_t>(bad_sig[pos % 64] ^ (1u << ((kind >> 3) & 7)));
        break;
      case 1:  // a bit of the message, or a byte appended
        if (!bad_msg.empty() && (kind & 8u) == 0) {
          const std::size_t i = pos % bad_msg.size();
          bad_msg[i] = static_cast<std::uint8_t>(bad_msg[i] ^ (1u << ((kind >> 4) & 7)));
        } else {
          bad_msg.push_back(pos);
        }
        break;
      case 2:  // s + L: accepted by Signal when it stays below 2^253
        s_plus_l(bad_sig);
        must_fail = false;
        break;
      case 3:  // bit 253 or 254 of s
        bad_sig[63] = static_cast<std::uint8_t>(bad_sig[63] | ((kind & 8u) ? 0x40u : 0x20u));
        break;
      case 4:  // bit 255 of u (ignored by both)
        bad_pub[31] = static_cast<std::uint8_t>(bad_pub[31] ^ 0x80u);
        must_fail = false;
        break;
      default:  // any u: the first 32 message bytes
        if (msg.size() >= 32) {
          std::copy(msg.begin(), msg.begin() + 32, bad_pub.begin());
          must_fail = false;  // could be pub itself or an alias of it
        } else {
          bad_sig[0] = static_cast<std::uint8_t>(bad_sig[0] ^ 1u);
        }
        break;
    }
    const bool ours = xeddsa::verify(bad_pub, bad_msg, bad_sig);
    if (kind % 6 == 3) fuzz::check(!ours, "xeddsa rejects s >= 2^253");
    if (kind % 6 == 4) fuzz::check(ours, "xeddsa ignores bit 255 of u");
    if (must_fail) fuzz::check(!ours, "xeddsa accepts a mutated signature or message");
#if defined(E2EE_FUZZ_LIBSIGNAL_C)
    const bool theirs = c_verify(bad_pub, bad_msg, bad_sig);
    if (is_minus_one(bad_pub)) {
      fuzz::check(!ours, "xeddsa rejects u = -1");
    } else {
      fuzz::check(ours == theirs, "xeddsa verdict vs libsignal-protocol-c");
    }
#else
    (void)is_minus_one;
#endif
  }
  return 0;
}
