// tests/fuzz/fuzz_aes_gcm.cpp — AES-256-GCM against OpenSSL's EVP AES-256-GCM.
// Key, nonce (1..64 bytes, often 12), AAD and plaintext come from the input.
// Every e2ee kernel must produce OpenSSL's ciphertext and tag, decrypt its own
// output (also in place and with a truncated tag), and reject a flipped bit
// in the ciphertext, the tag, the AAD or the nonce with the output zeroed.
// The streaming encryptor/decryptor, fed in pieces split at points drawn from
// the input, must produce OpenSSL's bytes too, and reject the same forgeries.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>

#include <e2ee/aead/aes_gcm.hpp>

#include "fuzz_common.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

// openssl_seal: ciphertext || tag, or an empty vector if OpenSSL refuses the
// nonce length.
bytes openssl_seal(fuzz::cspan key, fuzz::cspan nonce, fuzz::cspan aad, fuzz::cspan pt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  fuzz::check(ctx != nullptr, "EVP_CIPHER_CTX_new failed");
  bytes out(pt.size() + 16);
  int len = 0, fin = 0;
  bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, fuzz::ptr(key), fuzz::ptr(nonce)) == 1;
  if (ok) {
    fuzz::check((aad.empty() || EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
                    EVP_EncryptUpdate(ctx, out.data(), &len, fuzz::ptr(pt), static_cast<int>(pt.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx, out.data() + len, &fin) == 1 &&
                    static_cast<std::size_t>(len + fin) == pt.size() &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + pt.size()) == 1,
                "OpenSSL GCM encryption failed");
  } else {
    out.clear();
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// splitter: chunk sizes for a stream, from a seed taken from the input
// (SplitMix64), mixing tiny pieces (partial blocks), whole blocks and the rest.
class splitter {
 public:
  explicit splitter(std::uint64_t seed) noexcept : x_(seed) {}
  std::size_t next(std::size_t left) noexcept {
    const std::uint64_t r = step();
    std::size_t n = 0;
    switch (r % 4) {
      case 0: n = static_cast<std::size_t>((r >> 8) % 18); break;
      case 1: n = 16 * static_cast<std::size_t>(1 + (r >> 8) % 9); break;
      case 2: n = static_cast<std::size_t>((r >> 8) % 400); break;
      default: n = left; break;
    }
    return n < left ? n : left;
  }

 private:
  std::uint64_t step() noexcept {
    std::uint64_t z = (x_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  std::uint64_t x_;
};

// stream_seal: ciphertext || tag through aes256_gcm::encryptor, AAD and text in pieces.
bytes stream_seal(const e2ee::aes256_gcm& g, const bytes& nonce, const bytes& aad, const bytes& pt, splitter& s) {
  e2ee::aes256_gcm::encryptor e(g, nonce);
  bool ok = true;
  for (std::size_t i = 0; i < aad.size();) {
    const std::size_t n = s.next(aad.size() - i);
    ok = e.aad(fuzz::cspan(aad).subspan(i, n)) && ok;
    i += n;
  }
  bytes out(pt.size() + 16);
  for (std::size_t i = 0; i < pt.size();) {
    const std::size_t n = s.next(pt.size() - i);
    ok = e.update(fuzz::cspan(pt).subspan(i, n), std::span<std::uint8_t>(out).subspan(i, n)) && ok;
    i += n;
  }
  ok = e.finish(std::span<std::uint8_t>(out).last<16>()) && ok;
  fuzz::check(ok, "encryptor fails");
  return out;
}

// stream_open: true and the plaintext in out if the decryptor accepts sealed.
bool stream_open(const e2ee::aes256_gcm& g, const bytes& nonce, const bytes& aad, const bytes& sealed, bytes& out,
                 splitter& s) {
  const std::size_t len = sealed.size() - 16;
  e2ee::aes256_gcm::decryptor d(g, nonce, aad);
  out.assign(len, 0xee);
  bool ok = true;
  for (std::size_t i = 0; i < len;) {
    const std::size_t n = s.next(len - i);
    ok = d.update(fuzz::cspan(sealed).subspan(i, n), std::span<std::uint8_t>(out).subspan(i, n)) && ok;
    i += n;
  }
  fuzz::check(ok, "decryptor update fails");
  const bool verified = d.finish(fuzz::cspan(sealed).last<16>());
  fuzz::check(verified == d.verified(), "decryptor verified() disagrees with finish()");
  bytes probe(1, 0xee);  // a finished decryptor refuses further use
  fuzz::check(!d.update(probe, probe) && probe[0] == 0, "decryptor usable after finish");
  return verified;
}

void flip(bytes& b, std::size_t bit) {
  b[(bit / 8) % b.size()] = static_cast<std::uint8_t>(b[(bit / 8) % b.size()] ^ (1u << (bit % 8)));
}

void check_kernel(e2ee::aes_gcm_impl impl, const std::array<std::uint8_t, 32>& key, const bytes& nonce,
                  const bytes& aad, const bytes& pt, const bytes& want, std::size_t bit, std::uint64_t split_seed) {
  const e2ee::aes256_gcm g(key, impl);
  fuzz::check(g.implementation() == impl, "forced kernel not used");
  const bytes sealed = g.seal(nonce, aad, pt);
  if (!want.empty()) fuzz::check(fuzz::same(sealed, want), "seal() differs from OpenSSL");
  fuzz::check(sealed.size() == pt.size() + 16, "seal() has the wrong size");

  const auto opened = g.open(nonce, aad, sealed);
  fuzz::check(opened.has_value() && fuzz::same(*opened, pt), "open() fails on its own output");
  bytes buf(sealed.begin(), sealed.end() - 16);
  std::array<std::uint8_t, 16> tag{};
  std::copy(sealed.end() - 16, sealed.end(), tag.begin());
  fuzz::check(g.decrypt(nonce, aad, buf, tag, buf) && fuzz::same(buf, pt), "in-place decrypt fails");
  bytes out(pt.size(), 0xee);
  fuzz::check(g.decrypt_truncated_tag(nonce, aad, fuzz::cspan(sealed).first(pt.size()),
                                      fuzz::cspan(tag).first(12), out) && fuzz::same(out, pt),
              "decrypt_truncated_tag rejects a right 12-byte tag");

  bytes bad = sealed;
  flip(bad, bit);
  fuzz::check(!g.open(nonce, aad, bad).has_value(), "open() accepts a flipped ciphertext or tag bit");
  out.assign(pt.size(), 0xee);
  bytes bad_ct(bad.begin(), bad.end() - 16);
  std::array<std::uint8_t, 16> bad_tag{};
  std::copy(bad.end() - 16, bad.end(), bad_tag.begin());
  fuzz::check(!g.decrypt(nonce, aad, bad_ct, bad_tag, out), "decrypt() accepts a forgery");
  fuzz::check(out == bytes(pt.size(), 0), "decrypt() leaves output after a forgery");
  if (!aad.empty()) {
    bytes bad_aad = aad;
    flip(bad_aad, bit);
    fuzz::check(!g.open(nonce, bad_aad, sealed).has_value(), "open() accepts a changed AAD");
  }
  bytes bad_nonce = nonce;
  flip(bad_nonce, bit);
  fuzz::check(!g.open(bad_nonce, aad, sealed).has_value(), "open() accepts a changed nonce");

  // Streaming, split at points drawn from the input.
  splitter s(split_seed);
  fuzz::check(fuzz::same(stream_seal(g, nonce, aad, pt, s), sealed), "encryptor differs from seal()/OpenSSL");
  bytes streamed;
  fuzz::check(stream_open(g, nonce, aad, sealed, streamed, s) && fuzz::same(streamed, pt),
              "decryptor rejects or garbles a right message");
  fuzz::check(!stream_open(g, nonce, aad, bad, streamed, s), "decryptor accepts a flipped ciphertext or tag bit");
  fuzz::check(!stream_open(g, bad_nonce, aad, sealed, streamed, s), "decryptor accepts a changed nonce");
  if (!aad.empty()) {
    bytes bad_aad = aad;
    flip(bad_aad, bit);
    fuzz::check(!stream_open(g, nonce, bad_aad, sealed, streamed, s), "decryptor accepts a changed AAD");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::array<std::uint8_t, 32> key{};
  in.ConsumeData(key.data(), key.size());
  const std::size_t nonce_len = in.ConsumeBool() ? 12 : in.ConsumeIntegralInRange<std::size_t>(1, 64);
  const bytes nonce = in.ConsumeBytes<std::uint8_t>(nonce_len);
  if (nonce.empty()) return 0;
  const std::size_t bit = in.ConsumeIntegral<std::uint16_t>();
  const auto split_seed = in.ConsumeIntegral<std::uint64_t>();
  const std::size_t aad_len = in.ConsumeIntegralInRange<std::size_t>(0, 300);
  const bytes aad = in.ConsumeBytes<std::uint8_t>(aad_len);
  const bytes pt = in.ConsumeRemainingBytes<std::uint8_t>();

  const bytes want = openssl_seal(key, nonce, aad, pt);
  if (nonce.size() == 12) fuzz::check(!want.empty(), "OpenSSL refuses a 12-byte nonce");
  for (const auto impl : e2ee::all_aes_gcm_impls)
    if (e2ee::supported(impl, e2ee::cpu::detect())) check_kernel(impl, key, nonce, aad, pt, want, bit, split_seed);
  return 0;
}
