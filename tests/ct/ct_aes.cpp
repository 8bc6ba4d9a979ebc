// tests/ct/ct_aes.cpp — the constant-time check for AES-256, AES-256-GCM and
// AES-256-CBC, run under valgrind like ct_check.cpp:
//   valgrind --error-exitcode=1 --track-origins=yes ./ct_aes
// Poisoned (secret): the key and the plaintext for encryption; the key, the
// ciphertext and the tag for decryption (the tag comparison included), and
// the nonce, IV and AAD too. Lengths stay public. Outputs are unpoisoned when
// they become public and only then compared with values computed before
// poisoning. Every kernel is forced through the impl constructors; a kernel
// valgrind's virtual CPU lacks is listed as not checked.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>
#include <e2ee/cipher/cbc.hpp>
#include <e2ee/core/ct.hpp>

#include "ct_common.hpp"

namespace {

using namespace ctcheck;

namespace ct = e2ee::ct;

// 300 and 520: the stitched bulk loops (128 and 256 bytes a chunk) and, with
// AAD of n / 3 bytes, whole GHASH groups of AAD.
constexpr std::array<std::size_t, 11> lens{0, 1, 15, 16, 17, 63, 64, 65, 200, 300, 520};

void check_block(e2ee::aes_impl impl) {
  const std::string what = "aes256/" + std::string(to_string(impl));
  auto key = pattern<32>(1);
  const bytes pt = pattern(80, 2);
  bytes want(80), back(80);
  {
    const e2ee::aes256 a(key, impl);
    expect(a.encrypt_blocks(pt, want), what + ": reference");
  }
  bytes in = pt, out(80);
  poison(key);
  poison(in);
  const e2ee::aes256 a(key, impl);
  const bool ok = a.encrypt_blocks(in, out) && a.decrypt_blocks(out, back);
  unpoison(out);
  unpoison(back);
  unpoison(key);
  expect(ok && out == want && back == pt, what + ": encrypt/decrypt");
}

void check_gcm(e2ee::aes_gcm_impl impl) {
  for (const std::size_t n : lens) {
    for (const std::size_t nonce_len : {std::size_t{12}, std::size_t{7}}) {
      const std::string what = "aes256_gcm/" + std::string(to_string(impl)) + ", " + std::to_string(n) +
                               " bytes, nonce " + std::to_string(nonce_len);
      auto key = pattern<32>(3);
      bytes nonce = pattern(nonce_len, 4), aad = pattern(n / 3, 5), pt = pattern(n, 6);
      bytes want_ct(n);
      std::array<std::uint8_t, 16> want_tag{};
      {
        const e2ee::aes256_gcm g(key, impl);
        expect(g.encrypt(nonce, aad, pt, want_ct, want_tag), what + ": reference");
      }
      // Encrypt: key, nonce, AAD and plaintext secret.
      bytes ct_out(n);
      std::array<std::uint8_t, 16> tag{};
      poison(key);
      poison(nonce);
      poison(aad);
      poison(pt);
      {
        const e2ee::aes256_gcm g(key, impl);
        bool ok = g.encrypt(nonce, aad, pt, ct_out, tag);
        publish(ok);
        unpoison(ct_out);
        unpoison(tag);
        expect(ok && ct_out == want_ct && tag == want_tag, what + ": encrypt");

        // Decrypt: ciphertext and tag secret too; the verdict is public.
        auto good_tag = want_tag, bad_tag = want_tag;
        bad_tag[n % 16] ^= 0x10;
        bytes c1 = want_ct, c2 = want_ct, p1(n), p2(n, 0xee);
        poison(c1);
        poison(c2);
        poison(good_tag);
        poison(bad_tag);
        bool ok_good = g.decrypt(nonce, aad, c1, good_tag, p1);
        bool ok_bad = g.decrypt(nonce, aad, c2, bad_tag, p2);
        publish(ok_good);
        publish(ok_bad);
        // Once more with the key object's powers cache filled (the first
        // call made its powers, the second filled the cache): the
        // short-message path reads it.
        bytes ct2(n);
        std::array<std::uint8_t, 16> tag2{};
        bool ok2 = g.encrypt(nonce, aad, pt, ct2, tag2);
        publish(ok2);
        unpoison(ct2);
        unpoison(tag2);
        expect(ok2 && ct2 == want_ct && tag2 == want_tag, what + ": encrypt, powers cached");

        // encrypt_once / decrypt_once (no key object; the register-only path
        // for 12-byte nonces up to 128 bytes), same secrets.
        bytes o_ct(n), o1(n), o2(n, 0xee);
        std::array<std::uint8_t, 16> o_tag{};
        bool once_enc = e2ee::aes256_gcm::encrypt_once(key, nonce, aad, pt, o_ct, o_tag, impl);
        bool once_good = e2ee::aes256_gcm::decrypt_once(key, nonce, aad, c1, good_tag, o1, impl);
        bool once_bad = e2ee::aes256_gcm::decrypt_once(key, nonce, aad, c2, bad_tag, o2, impl);
        publish(once_enc);
        publish(once_good);
        publish(once_bad);
        unpoison(o_ct);
        unpoison(o_tag);
        unpoison(o1);
        unpoison(o2);

        unpoison(p1);
        unpoison(p2);
        unpoison(pt);
        expect(ok_good && p1 == pt, what + ": decrypt accepts");
        expect(!ok_bad && p2 == bytes(n, 0), what + ": decrypt rejects a forged tag");
        expect(once_enc && o_ct == want_ct && o_tag == want_tag, what + ": encrypt_once");
        expect(once_good && o1 == pt, what + ": decrypt_once accepts");
        expect(!once_bad && o2 == bytes(n, 0), what + ": decrypt_once rejects a forged tag");
      }
      unpoison(key);
    }
  }
}

void check_cbc(e2ee::aes_impl impl) {
  for (const std::size_t n : lens) {
    const std::string what = "aes256_cbc/" + std::string(to_string(impl)) + ", " + std::to_string(n) + " bytes";
    auto key = pattern<32>(7);
    auto iv = pattern<16>(8);
    bytes pt = pattern(n, 9);
    const bytes want = e2ee::aes256_cbc::encrypt(key, iv, pt, impl);
    poison(key);
    poison(iv);
    poison(pt);
    bytes c = e2ee::aes256_cbc::encrypt(key, iv, pt, impl);
    unpoison(c);
    expect(c == want, what + ": encrypt");
    bytes bad = c;
    bad.back() ^= 0x01;  // breaks the padding (or, rarely, makes it another valid one)
    poison(c);
    poison(bad);
    auto p = e2ee::aes256_cbc::decrypt(key, iv, c, impl);
    auto q = e2ee::aes256_cbc::decrypt(key, iv, bad, impl);
    if (p) unpoison(*p);
    if (q) unpoison(*q);
    unpoison(pt);
    unpoison(key);
    unpoison(iv);
    expect(p.has_value() && *p == pt, what + ": decrypt");
    expect(!q.has_value() || q->size() < n + 16, what + ": decrypt of a changed last block");
  }
}

// The chained objects across moves (aes256's move copies the schedule and
// wipes the source's): key, IV and data poisoned.
void check_cbc_chained(e2ee::aes_impl impl) {
  const std::string what = "aes256_cbc chained/" + std::string(to_string(impl));
  auto key = pattern<32>(10);
  auto iv = pattern<16>(11);
  bytes pt = pattern(100, 12);
  const bytes want = e2ee::aes256_cbc::encrypt(key, iv, pt, impl);
  poison(key);
  poison(iv);
  poison(pt);
  bytes c(want.size()), p(want.size());
  e2ee::aes256_cbc::encryptor e0(key, iv, impl);
  bool ok = e0.update(std::span<const std::uint8_t>(pt).first(48), std::span<std::uint8_t>(c).first(48));
  e2ee::aes256_cbc::encryptor e1(std::move(e0));
  ok = e1.finish(std::span<const std::uint8_t>(pt).subspan(48), std::span<std::uint8_t>(c).subspan(48)) && ok;
  unpoison(c);
  expect(ok && c == want, what + ": encryptor across a move");
  poison(c);
  e2ee::aes256_cbc::decryptor d0(key, iv, impl);
  e2ee::aes256_cbc::decryptor d1(key, iv, impl);
  d1 = std::move(d0);
  const auto n = d1.finish(c, p);
  unpoison(p);
  unpoison(pt);
  unpoison(key);
  unpoison(iv);
  expect(n.has_value() && *n == pt.size() && bytes(p.begin(), p.begin() + 100) == pt,
         what + ": decryptor across a move assignment");
}

}  // namespace

int main() {
  ctcheck::state().program = "ct_aes";
  std::printf("ct_aes: cpu features: %s\n", e2ee::cpu::features().to_string().c_str());
  for (const auto impl : e2ee::all_aes_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_aes: aes kernel %s: NOT CHECKED (not available on this (virtual) CPU)\n",
                  std::string(to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_aes: aes/cbc kernel %s\n", std::string(to_string(impl)).c_str());
    check_block(impl);
    check_cbc(impl);
    check_cbc_chained(impl);
  }
  for (const auto impl : e2ee::all_aes_gcm_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_aes: gcm kernel %s: NOT CHECKED (not available on this (virtual) CPU)\n",
                  std::string(to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_aes: gcm kernel %s\n", std::string(to_string(impl)).c_str());
    check_gcm(impl);
  }
  return report();
}
