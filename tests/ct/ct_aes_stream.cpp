// tests/ct/ct_aes_stream.cpp — the constant-time check for streaming
// AES-256-GCM (aes256_gcm::encryptor / decryptor), run under valgrind like
// ct_check.cpp:
//   valgrind --error-exitcode=1 --track-origins=yes ./ct_aes_stream
// Poisoned (secret): the key and the plaintext for encryption; the key, the
// ciphertext and the tag for decryption, the tag comparison in finish()
// included; the nonce and the AAD too. Lengths and split points stay public.
// Outputs are unpoisoned when they become public and only then compared with
// the one-shot results computed before poisoning. Every kernel is forced
// through the key object's impl constructor; one that valgrind's virtual CPU
// lacks (vaes_avx2: valgrind cannot decode VAES) is listed as not checked.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/core/ct.hpp>

#include "ct_common.hpp"

namespace {

using namespace ctcheck;
using gcm = e2ee::aes256_gcm;

// Text lengths: partial blocks, the 128- and 256-byte stitched bulk loops and
// their tails; each is streamed in chunks of `cut` bytes (split mid-block).
constexpr std::array<std::size_t, 8> lens{0, 1, 17, 64, 130, 300, 520, 1100};
constexpr std::array<std::size_t, 3> cuts{7, 48, 400};

void check_stream(e2ee::aes_gcm_impl impl) {
  for (const std::size_t n : lens) {
    for (const std::size_t cut : cuts) {
      for (const std::size_t nonce_len : {std::size_t{12}, std::size_t{9}}) {
        const std::string what = "aes256_gcm stream/" + std::string(to_string(impl)) + ", " + std::to_string(n) +
                                 " bytes in " + std::to_string(cut) + "-byte chunks, nonce " +
                                 std::to_string(nonce_len);
        auto key = pattern<32>(11);
        bytes nonce = pattern(nonce_len, 12), aad = pattern(n / 5 + 3, 13), pt = pattern(n, 14);
        bytes want_ct(n);
        std::array<std::uint8_t, 16> want_tag{};
        {
          const gcm g(key, impl);
          expect(g.encrypt(nonce, aad, pt, want_ct, want_tag), what + ": reference");
        }
        poison(key);
        poison(nonce);
        poison(aad);
        poison(pt);
        const gcm g(key, impl);
        // Encrypt: AAD in two pieces, the text in chunks.
        bytes c(n);
        std::array<std::uint8_t, 16> tag{};
        {
          gcm::encryptor e(g, nonce);
          const cspan a(aad);
          bool ok = e.aad(a.first(a.size() / 2)) && e.aad(a.subspan(a.size() / 2));
          for (std::size_t i = 0; i < n; i += cut) {
            const std::size_t m = cut < n - i ? cut : n - i;
            ok = e.update(cspan(pt).subspan(i, m), std::span<std::uint8_t>(c).subspan(i, m)) && ok;
          }
          ok = e.finish(tag) && ok;
          publish(ok);
          unpoison(c);
          unpoison(tag);
          expect(ok && c == want_ct && tag == want_tag, what + ": encrypt");
        }
        // Decrypt: ciphertext and tag secret too; finish's verdict is public.
        auto good = want_tag, bad = want_tag;
        bad[n % 16] ^= 0x08;
        for (const bool forged : {false, true}) {
          bytes cin = want_ct, p(n);
          auto t = forged ? bad : good;
          poison(cin);
          poison(t);
          gcm::decryptor d(g, nonce, aad);
          bool ok = true;
          for (std::size_t i = 0; i < n; i += cut) {
            const std::size_t m = cut < n - i ? cut : n - i;
            ok = d.update(cspan(cin).subspan(i, m), std::span<std::uint8_t>(p).subspan(i, m)) && ok;
          }
          bool verified = d.finish(t);
          publish(ok);
          publish(verified);
          unpoison(p);
          unpoison(pt);
          if (forged) {
            expect(ok && !verified && !d.verified(), what + ": decrypt rejects a forged tag");
          } else {
            expect(ok && verified && d.verified() && p == pt, what + ": decrypt");
          }
          poison(pt);
        }
        unpoison(pt);
        unpoison(key);
        unpoison(nonce);
        unpoison(aad);
      }
    }
  }
}

}  // namespace

int main() {
  ctcheck::state().program = "ct_aes_stream";
  std::printf("ct_aes_stream: cpu features: %s\n", e2ee::cpu::features().to_string().c_str());
  for (const auto impl : e2ee::all_aes_gcm_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_aes_stream: gcm kernel %s: NOT CHECKED (not available on this (virtual) CPU)\n",
                  std::string(to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_aes_stream: gcm kernel %s\n", std::string(to_string(impl)).c_str());
    check_stream(impl);
  }
  return report();
}
