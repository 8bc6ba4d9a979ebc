// tests/fuzz/fuzz_x25519.cpp — differential fuzzing of X25519 against OpenSSL.
// Input: scalar (32 bytes) || point (32 bytes) [|| selector]. With a selector
// byte whose low bit is set, the point is replaced by one of the small-order
// points (and their non-canonical encodings, bit 255 set or not), so that the
// all-zero path is reached. For each input, on the default and the portable
// kernels:
//   - scalarmult(scalar, point) equals OpenSSL's EVP_PKEY_derive from the raw
//     keys whenever OpenSSL derives a value;
//   - when OpenSSL refuses (it fails on an all-zero result), our scalarmult
//     output is all zeros and shared_secret is nullopt; otherwise
//     shared_secret holds the same value;
//   - public_key(scalar) equals OpenSSL's raw public key of the private key;
//   - every X25519 kernel (scalarmult(impl, ...)) gives the same bytes.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <openssl/evp.h>

#include <e2ee/ec/x25519.hpp>

#include "fuzz_common.hpp"

namespace {

using key = e2ee::x25519::key;

// Points of order 1, 2, 4 and 8 on Curve25519 (u-coordinates, little endian):
// 0, 1, the two of order 8, p - 1 (u = -1, order 2) and the non-canonical
// encodings p (u = 0) and p + 1 (u = 1); each also with bit 255 set.
key small_order_point(unsigned index) {
  static constexpr key order8_a{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
                                0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
                                0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00};
  static constexpr key order8_b{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
                                0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
                                0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57};
  key k{};
  switch (index % 7) {
    case 0: break;                 // u = 0
    case 1: k[0] = 1; break;       // u = 1
    case 2: k = order8_a; break;
    case 3: k = order8_b; break;
    default:                       // p - 1 (u = -1, order 2), p (0), p + 1 (1)
      k.fill(0xff);
      k[31] = 0x7f;
      k[0] = static_cast<std::uint8_t>(0xec + (index % 7) - 4);
      break;
  }
  if ((index / 7) & 1) k[31] = static_cast<std::uint8_t>(k[31] | 0x80);  // bit 255, ignored
  return k;
}

// OpenSSL's X25519(scalar, point), or nullopt when it refuses.
std::optional<key> openssl_derive(const key& scalar, const key& point) {
  EVP_PKEY* priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32);
  EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, point.data(), 32);
  fuzz::check(priv != nullptr, "OpenSSL accepts any 32-byte X25519 private key");
  std::optional<key> out;
  if (pub != nullptr) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(priv, nullptr);
    fuzz::check(ctx != nullptr, "EVP_PKEY_CTX_new");
    key r{};
    std::size_t len = r.size();
    if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, pub) == 1 &&
        EVP_PKEY_derive(ctx, r.data(), &len) == 1 && len == 32) {
      out = r;
    }
    EVP_PKEY_CTX_free(ctx);
  }
  EVP_PKEY_free(pub);
  EVP_PKEY_free(priv);
  return out;
}

key openssl_public(const key& scalar) {
  EVP_PKEY* priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32);
  fuzz::check(priv != nullptr, "OpenSSL accepts any 32-byte X25519 private key");
  key r{};
  std::size_t len = r.size();
  fuzz::check(EVP_PKEY_get_raw_public_key(priv, r.data(), &len) == 1 && len == 32,
              "EVP_PKEY_get_raw_public_key");
  EVP_PKEY_free(priv);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 64) return 0;
  key scalar{}, point{};
  std::copy(data, data + 32, scalar.begin());
  std::copy(data + 32, data + 64, point.begin());
  if (size > 64 && (data[64] & 1u) != 0) point = small_order_point(data[64] >> 1);

  const std::optional<key> want = openssl_derive(scalar, point);
  const key want_pub = openssl_public(scalar);
  for (const auto k : {fuzz::kernels::best, fuzz::kernels::portable}) {
    fuzz::use(k);
    const key got = e2ee::x25519::scalarmult(scalar, point);
    const std::optional<key> shared = e2ee::x25519::shared_secret(scalar, point);
    if (want) {
      fuzz::check(got == *want, "x25519 scalarmult vs OpenSSL");
      fuzz::check(shared.has_value() && *shared == *want, "x25519 shared_secret vs OpenSSL");
    } else {
      fuzz::check(std::all_of(got.begin(), got.end(), [](std::uint8_t b) { return b == 0; }),
                  "OpenSSL refused but scalarmult is not all zeros");
      fuzz::check(!shared.has_value(), "OpenSSL refused but shared_secret has a value");
    }
    fuzz::check(e2ee::x25519::public_key(scalar) == want_pub, "x25519 public_key vs OpenSSL");
  }
  fuzz::use(fuzz::kernels::best);
  const key portable = e2ee::x25519::scalarmult(e2ee::x25519_impl::portable, scalar, point);
  for (const auto impl : e2ee::all_x25519_impls) {
    if (!e2ee::supported(impl)) continue;
    fuzz::check(e2ee::x25519::scalarmult(impl, scalar, point) == portable, "x25519 kernel vs portable");
  }
  return 0;
}
