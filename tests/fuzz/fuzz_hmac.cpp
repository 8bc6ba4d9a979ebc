// tests/fuzz/fuzz_hmac.cpp — HMAC-SHA256 and HMAC-SHA512 against OpenSSL's
// EVP_MAC HMAC. Key (0..300 bytes, across both block sizes) and message come
// from the input; mac() and update() in two pieces must match OpenSSL;
// verify() must accept the tag and its truncations and reject a flipped bit,
// an empty tag and an overlong one. Default or portable kernels by input bit.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/mac/hmac.hpp>

#include "fuzz_common.hpp"

namespace {

struct params {
  std::size_t split, flip_bit, trunc;
};

template <class H>
void openssl_hmac(fuzz::cspan key, fuzz::cspan msg, std::span<std::uint8_t, H::digest_size> out) {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  fuzz::check(mac != nullptr, "EVP_MAC_fetch(HMAC) failed");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  fuzz::check(ctx != nullptr, "EVP_MAC_CTX_new failed");
  char digest[] = "SHA256";
  char digest512[] = "SHA512";
  const OSSL_PARAM p[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       H::digest_size == 32 ? digest : digest512, 0),
      OSSL_PARAM_construct_end()};
  std::size_t len = 0;
  fuzz::check(EVP_MAC_init(ctx, fuzz::ptr(key), key.size(), p) == 1 &&
                  EVP_MAC_update(ctx, fuzz::ptr(msg), msg.size()) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size(),
              "OpenSSL HMAC failed");
  EVP_MAC_CTX_free(ctx);
}

template <class H>
void check_hmac(fuzz::cspan key, fuzz::cspan msg, const params& p) {
  using mac = e2ee::hmac<H>;
  std::array<std::uint8_t, H::digest_size> want{};
  openssl_hmac<H>(key, msg, want);

  const auto tag = mac::mac(key, msg);
  fuzz::check(fuzz::same(tag, want), "mac() differs from OpenSSL");
  mac m(key);
  const std::size_t split = p.split % (msg.size() + 1);
  m.update(msg.first(split));
  m.update(msg.subspan(split));
  fuzz::check(fuzz::same(m.finish(), want), "update() in two pieces differs from OpenSSL");

  fuzz::check(mac::verify(key, msg, want), "verify() rejects the right tag");
  const std::size_t t = 1 + p.trunc % H::digest_size;
  const auto truncated = fuzz::cspan(want).first(t);
  fuzz::check(mac::verify(key, msg, truncated), "verify() rejects a truncated right tag");
  std::array<std::uint8_t, H::digest_size + 1> bad{};
  std::copy(truncated.begin(), truncated.end(), bad.begin());
  const std::size_t bit = p.flip_bit % (8 * t);
  bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
  fuzz::check(!mac::verify(key, msg, fuzz::cspan(bad).first(t)), "verify() accepts a flipped tag");
  fuzz::check(!mac::verify(key, msg, fuzz::cspan()), "verify() accepts an empty tag");
  std::array<std::uint8_t, H::digest_size + 1> longer{};
  std::copy(want.begin(), want.end(), longer.begin());
  fuzz::check(!mac::verify(key, msg, longer), "verify() accepts a tag longer than tag_size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::use(in.ConsumeBool() ? fuzz::kernels::portable : fuzz::kernels::best);
  params p{};
  p.split = in.ConsumeIntegral<std::uint16_t>();
  p.flip_bit = in.ConsumeIntegral<std::uint16_t>();
  p.trunc = in.ConsumeIntegral<std::uint8_t>();
  const std::size_t key_len = in.ConsumeIntegralInRange<std::size_t>(0, 300);
  const std::vector<std::uint8_t> key = in.ConsumeBytes<std::uint8_t>(key_len);
  const std::vector<std::uint8_t> msg = in.ConsumeRemainingBytes<std::uint8_t>();

  check_hmac<e2ee::sha256>(key, msg, p);
  check_hmac<e2ee::sha512>(key, msg, p);
  return 0;
}
