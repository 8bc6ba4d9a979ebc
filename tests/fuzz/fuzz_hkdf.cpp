// tests/fuzz/fuzz_hkdf.cpp — HKDF-SHA256 and HKDF-SHA512 against OpenSSL's
// EVP_KDF HKDF: extract, expand and derive<N> for output sizes 0 up to
// 255*HashLen + 1 (one past the limit: expand must return false and zero the
// output). expand is also fed a PRK of any length straight from the input
// (empty: false). Default or portable kernels by input bit.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>

#include "fuzz_common.hpp"

namespace {

// OpenSSL 3.0 caps HKDF info at 1024 bytes; e2ee has no cap.
constexpr std::size_t max_info = 1024;

// One OpenSSL HKDF call. mode: EVP_KDF_HKDF_MODE_{EXTRACT_AND_EXPAND,
// EXTRACT_ONLY, EXPAND_ONLY}; `key` is the IKM or, for EXPAND_ONLY, the PRK.
template <class H>
void openssl_hkdf(int mode, fuzz::cspan key, fuzz::cspan salt, fuzz::cspan info,
                  std::span<std::uint8_t> out) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  fuzz::check(kdf != nullptr, "EVP_KDF_fetch(HKDF) failed");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  fuzz::check(ctx != nullptr, "EVP_KDF_CTX_new failed");
  char digest[] = "SHA256";
  char digest512[] = "SHA512";
  // An empty salt means HashLen zero bytes (RFC 5869, 2.2); say so explicitly.
  const std::array<std::uint8_t, H::digest_size> zeros{};
  const fuzz::cspan s = salt.empty() ? fuzz::cspan(zeros) : salt;
  std::array<OSSL_PARAM, 6> p{};
  std::size_t n = 0;
  p[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  p[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            H::digest_size == 32 ? digest : digest512, 0);
  p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             const_cast<std::uint8_t*>(fuzz::ptr(key)), key.size());
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY)
    p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                               const_cast<std::uint8_t*>(s.data()), s.size());
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && !info.empty())
    p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                               const_cast<std::uint8_t*>(info.data()), info.size());
  p[n] = OSSL_PARAM_construct_end();
  fuzz::check(EVP_KDF_derive(ctx, out.data(), out.size(), p.data()) == 1, "OpenSSL HKDF failed");
  EVP_KDF_CTX_free(ctx);
}

bool all_zero(std::span<const std::uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](std::uint8_t v) { return v == 0; });
}

template <class H>
void check_hkdf(fuzz::cspan salt, fuzz::cspan ikm, fuzz::cspan info, std::size_t out_len) {
  using kdf = e2ee::hkdf<H>;
  constexpr std::size_t hl = H::digest_size;
  static std::array<std::uint8_t, kdf::max_output + 1> got, want;
  const auto o = std::span(got).first(out_len);
  const auto w = std::span(want).first(out_len);

  // Extract.
  std::array<std::uint8_t, hl> prk_want{};
  openssl_hkdf<H>(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, prk_want);
  const auto prk = kdf::extract(salt, ikm);
  fuzz::check(fuzz::same(prk.expose(), prk_want), "extract() differs from OpenSSL");

  // Expand to out_len, possibly one past the limit.
  std::fill(o.begin(), o.end(), std::uint8_t{0xa5});
  const bool ok = kdf::expand(prk.expose(), info, o);
  if (out_len > kdf::max_output) {
    fuzz::check(!ok, "expand() beyond 255*HashLen returned true");
    fuzz::check(all_zero(o), "expand() beyond 255*HashLen did not zero the output");
  } else {
    fuzz::check(ok, "expand() within the limit returned false");
    if (out_len > 0) {  // OpenSSL refuses an empty output
      openssl_hkdf<H>(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, w);
      fuzz::check(fuzz::same(o, w), "extract+expand differs from OpenSSL");
    }
  }

  // derive<N>: a fixed size (the ratchet's 80 bytes).
  std::array<std::uint8_t, 80> d_want{};
  openssl_hkdf<H>(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, d_want);
  fuzz::check(fuzz::same(kdf::template derive<80>(salt, ikm, info), d_want),
              "derive<80>() differs from OpenSSL");

  // expand() with the IKM bytes as a PRK of arbitrary length.
  const std::size_t n = std::min(out_len, kdf::max_output);
  const auto o2 = std::span(got).first(n);
  std::fill(o2.begin(), o2.end(), std::uint8_t{0xa5});
  const bool ok2 = kdf::expand(ikm, info, o2);
  if (ikm.empty()) {
    fuzz::check(!ok2 && all_zero(o2), "expand() with an empty PRK did not fail cleanly");
  } else {
    fuzz::check(ok2, "expand() with a non-empty PRK returned false");
    if (n > 0) {
      const auto w2 = std::span(want).first(n);
      openssl_hkdf<H>(EVP_KDF_HKDF_MODE_EXPAND_ONLY, ikm, {}, info, w2);
      fuzz::check(fuzz::same(o2, w2), "expand() with a raw PRK differs from OpenSSL");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::use(in.ConsumeBool() ? fuzz::kernels::portable : fuzz::kernels::best);
  const bool sha512 = in.ConsumeBool();
  const std::size_t max_out = sha512 ? e2ee::hkdf<e2ee::sha512>::max_output
                                     : e2ee::hkdf<e2ee::sha256>::max_output;
  // Sizes: half short (0..299, where the block boundaries are), one in eight
  // at the limit (max_output + 1 - 0..3), the rest anywhere up to it.
  std::size_t out_len = in.ConsumeIntegralInRange<std::size_t>(0, max_out + 1);
  const int shape = in.ConsumeIntegralInRange<int>(0, 7);
  if (shape < 4) out_len %= 300;
  if (shape == 4) out_len = max_out + 1 - out_len % 4;
  const std::size_t salt_len = in.ConsumeIntegralInRange<std::size_t>(0, 200);
  const std::size_t info_len = in.ConsumeIntegralInRange<std::size_t>(0, max_info);
  const std::vector<std::uint8_t> salt = in.ConsumeBytes<std::uint8_t>(salt_len);
  const std::vector<std::uint8_t> info = in.ConsumeBytes<std::uint8_t>(info_len);
  const std::vector<std::uint8_t> ikm = in.ConsumeRemainingBytes<std::uint8_t>();

  if (sha512) {
    check_hkdf<e2ee::sha512>(salt, ikm, info, out_len);
  } else {
    check_hkdf<e2ee::sha256>(salt, ikm, info, out_len);
  }
  return 0;
}
