// tests/fuzz/fuzz_aes_cbc.cpp — AES-256-CBC with PKCS#7 against OpenSSL's EVP
// AES-256-CBC. encrypt() must equal OpenSSL's output on every kernel; decrypt()
// of arbitrary bytes must succeed exactly when OpenSSL's does (same padding
// rule) with the same plaintext, and must round-trip encrypt().
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>

#include <e2ee/cipher/cbc.hpp>

#include "fuzz_common.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

std::optional<bytes> openssl_cbc(bool encrypt, fuzz::cspan key, fuzz::cspan iv, fuzz::cspan in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_CIPHER_CTX_new failed");
  bytes out(in.size() + 16);
  int len = 0, fin = 0;
  fuzz::check(EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) == 1 &&
                  EVP_CipherUpdate(ctx, out.data(), &len, fuzz::ptr(in), static_cast<int>(in.size())) == 1,
              "OpenSSL CBC update failed");
  const bool ok = EVP_CipherFinal_ex(ctx, out.data() + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> iv{};
  in.ConsumeData(key.data(), key.size());
  in.ConsumeData(iv.data(), iv.size());
  const bytes msg = in.ConsumeRemainingBytes<std::uint8_t>();

  const auto enc_want = openssl_cbc(true, key, iv, msg);
  fuzz::check(enc_want.has_value(), "OpenSSL CBC encryption failed");
  const auto dec_want = msg.empty() ? std::nullopt : openssl_cbc(false, key, iv, msg);
  for (const auto impl : e2ee::all_aes_impls) {
    if (!e2ee::supported(impl, e2ee::cpu::detect())) continue;
    const bytes c = e2ee::aes256_cbc::encrypt(key, iv, msg, impl);
    fuzz::check(fuzz::same(c, *enc_want), "encrypt() differs from OpenSSL");
    const auto back = e2ee::aes256_cbc::decrypt(key, iv, c, impl);
    fuzz::check(back.has_value() && fuzz::same(*back, msg), "decrypt() does not round-trip");
    const auto got = e2ee::aes256_cbc::decrypt(key, iv, msg, impl);
    fuzz::check(got.has_value() == dec_want.has_value(), "decrypt() accepts/rejects unlike OpenSSL");
    if (got) fuzz::check(fuzz::same(*got, *dec_want), "decrypt() differs from OpenSSL");
  }
  return 0;
}
