// tests/ct/ct_check.cpp — the constant-time check, run under valgrind.
//
// Every input of every primitive is poisoned (marked undefined) before the
// call, as BoringSSL does: keys, messages, salts, tags. Only lengths stay
// public. memcheck then reports any branch or memory address computed from
// them. Outputs are unpoisoned when they become public, and only then compared
// with the values computed before poisoning (so the program does not branch on
// secrets itself). Run as
//   valgrind --error-exitcode=1 --track-origins=yes ./ct_check
// Without valgrind it runs as a plain consistency check (poison is a no-op).
//
// Kernels: sha256/sha512 are forced through their impl constructors; hmac and
// hkdf take the default kernel, so each distinct default is reached through
// E2EE_CPU_DISABLE + cpu::refresh(). A kernel valgrind's virtual CPU lacks
// (SHA-NI: valgrind 3.19 does not decode it and hides it from CPUID) cannot
// be run here and is listed as not checked.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <e2ee/core/cpu.hpp>
#include <e2ee/core/ct.hpp>

#include "ct_common.hpp"
#include <e2ee/core/secret.hpp>
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/mac/hmac.hpp>

namespace {

using namespace ctcheck;

namespace ct = e2ee::ct;

// Block-boundary lengths for both block sizes, plus longer ones.
constexpr std::array<std::size_t, 20> msg_lens{0,   1,   3,   31,  55,  56,  63,  64,  65,  111,
                                               112, 119, 120, 127, 128, 129, 191, 256, 257, 1000};
// Keys shorter than, equal to and longer than each block size (long keys are hashed).
constexpr std::array<std::size_t, 10> key_lens{0, 1, 16, 32, 64, 65, 100, 128, 129, 200};

// ---------------------------------------------------------------- SHA-2
template <class H, class Impl>
void check_hash(Impl impl) {
  const std::string name = std::string(H::digest_size == 32 ? "sha256" : "sha512") + "/" +
                           std::string(to_string(impl));
  for (const std::size_t len : msg_lens) {
    const bytes msg = pattern(len, static_cast<std::uint32_t>(len));
    const auto want = [&] {
      H h(impl);
      h.update(msg);
      return h.finish();
    }();

    poison(msg);
    H one(impl);
    one.update(msg);
    auto d1 = one.finish();
    // Incremental, at public split points, then reuse of the object after finish().
    H inc(impl);
    const std::size_t a = len / 3, b = len - len / 4;
    inc.update(cspan(msg).subspan(0, a));
    inc.update(cspan(msg).subspan(a, b - a));
    inc.update(cspan(msg).subspan(b));
    auto d2 = inc.finish();
    inc.update(msg);
    auto d3 = inc.finish();
    unpoison(msg);
    publish(d1);
    publish(d2);
    publish(d3);
    expect(d1 == want && d2 == want && d3 == want, name + " len " + std::to_string(len));
  }
}

// The static one-shot hash() under whatever kernel is the default now.
template <class H>
void check_hash_default() {
  for (const std::size_t len : msg_lens) {
    const bytes msg = pattern(len, static_cast<std::uint32_t>(len) + 7u);
    const auto want = H::hash(msg);
    poison(msg);
    auto d = H::hash(msg);
    unpoison(msg);
    publish(d);
    expect(d == want, std::string("hash() default, len ") + std::to_string(len));
  }
}

// ---------------------------------------------------------------- HMAC
template <class H>
void check_hmac(const std::string& kernel) {
  using mac = e2ee::hmac<H>;
  const std::string name = std::string("hmac-sha") + (H::digest_size == 32 ? "256" : "512") +
                           " [" + kernel + "]";
  for (const std::size_t klen : key_lens) {
    for (const std::size_t mlen : {std::size_t{0}, std::size_t{1}, std::size_t{32},
                                   std::size_t{H::block_size - 9}, std::size_t{H::block_size},
                                   std::size_t{300}}) {
      const std::string what = name + " key " + std::to_string(klen) + " msg " + std::to_string(mlen);
      const bytes key = pattern(klen, static_cast<std::uint32_t>(klen * 1000 + mlen));
      const bytes msg = pattern(mlen, static_cast<std::uint32_t>(mlen * 1000 + klen + 1));
      const auto want = mac::mac(key, msg);

      poison(key);
      poison(msg);
      auto t1 = mac::mac(key, msg);
      mac m(key);
      const std::size_t half = mlen / 2;
      m.update(cspan(msg).subspan(0, half));
      m.update(cspan(msg).subspan(half));
      auto t2 = m.finish();
      publish(t1);
      publish(t2);
      expect(t1 == want && t2 == want, what + ": mac");

      // verify: key, message and tag all secret; the verdict is declassified
      // by unpoisoning the bool before anything branches on it.
      auto good = want;
      auto bad = want;
      bad[(klen + mlen) % bad.size()] ^= static_cast<std::uint8_t>(1u << (mlen % 8));
      poison(good);
      poison(bad);
      bool ok_full = mac::verify(key, msg, good);
      bool ok_trunc = mac::verify(key, msg, cspan(good).first(16));
      bool ok_bad = mac::verify(key, msg, bad);
      publish(ok_full);
      publish(ok_trunc);
      publish(ok_bad);
      unpoison(key);
      unpoison(msg);
      expect(ok_full, what + ": verify accepts the tag");
      expect(ok_trunc, what + ": verify accepts the truncated tag");
      expect(!ok_bad, what + ": verify rejects a flipped tag");
    }
  }
}

// ---------------------------------------------------------------- HKDF
template <class H>
void check_hkdf(const std::string& kernel) {
  using kdf = e2ee::hkdf<H>;
  constexpr std::size_t hl = H::digest_size;
  const std::string name = std::string("hkdf-sha") + (hl == 32 ? "256" : "512") + " [" + kernel + "]";
  for (const std::size_t slen : {std::size_t{0}, std::size_t{13}, hl, H::block_size + 1}) {
    for (const std::size_t ilen : {std::size_t{1}, std::size_t{22}, std::size_t{32}, std::size_t{200}}) {
      const std::string what = name + " salt " + std::to_string(slen) + " ikm " + std::to_string(ilen);
      const bytes salt = pattern(slen, static_cast<std::uint32_t>(slen + 77));
      const bytes ikm = pattern(ilen, static_cast<std::uint32_t>(ilen + 99));
      const bytes info = pattern(10, 5);
      std::array<std::uint8_t, hl> prk_want{};
      {
        const auto p = kdf::extract(salt, ikm);
        std::copy(p.expose().begin(), p.expose().end(), prk_want.begin());
      }
      std::array<std::uint8_t, 80> okm_want{};
      expect(kdf::expand(prk_want, info, okm_want), what + ": expand (reference)");

      // extract + expand with the secrets (ikm, salt) and the info poisoned.
      poison(salt);
      poison(ikm);
      poison(info);
      const auto prk = kdf::extract(salt, ikm);
      std::array<std::uint8_t, 80> okm{};
      // The verdict depends on lengths only: branching on it unpoisoned is
      // part of the check.
      const bool ok = kdf::expand(prk.expose(), info, okm);
      auto derived = kdf::template derive<80>(salt, ikm, info);
      std::array<std::uint8_t, hl> prk_got{};
      std::copy(prk.expose().begin(), prk.expose().end(), prk_got.begin());
      unpoison(salt);
      unpoison(ikm);
      unpoison(info);
      publish(prk_got);
      publish(okm);
      publish(derived);
      expect(ok, what + ": expand");
      expect(prk_got == prk_want, what + ": extract");
      expect(okm == okm_want && derived == okm_want, what + ": expand/derive");
    }
  }

  // expand alone, secret PRK of several lengths, output sizes up to the limit
  // and one past it (must return false, output zeroed).
  static std::array<std::uint8_t, 255 * hl + 1> out{};
  static std::array<std::uint8_t, 255 * hl + 1> out_want{};
  for (const std::size_t plen : {std::size_t{1}, hl, 2 * hl + 3}) {
    for (const std::size_t olen : {std::size_t{0}, std::size_t{1}, hl, hl + 1, std::size_t{80},
                                   255 * hl, 255 * hl + 1}) {
      const std::string what = name + " expand prk " + std::to_string(plen) + " out " +
                               std::to_string(olen);
      const bytes prk = pattern(plen, static_cast<std::uint32_t>(plen * 31 + olen));
      const bytes info = pattern(plen, 3);
      const auto o = std::span(out).first(olen);
      const auto w = std::span(out_want).first(olen);
      const bool ok_want = kdf::expand(prk, info, w);
      std::fill(o.begin(), o.end(), std::uint8_t{0xee});
      poison(prk);
      poison(info);
      const bool ok = kdf::expand(prk, info, o);
      unpoison(prk);
      unpoison(info);
      unpoison(o);
      expect(ok == ok_want && ok == (olen <= 255 * hl), what + ": verdict");
      expect(std::equal(o.begin(), o.end(), w.begin()), what + ": output");
      if (!ok) {
        expect(std::all_of(o.begin(), o.end(), [](std::uint8_t v) { return v == 0; }),
               what + ": zeroed on failure");
      }
    }
  }
}

// ---------------------------------------------------------------- core ct
template <class T>
void check_ct_mask(const char* type) {
  using m = ct::mask<T>;
  const std::array<T, 7> vals{T{0},
                              T{1},
                              T{2},
                              static_cast<T>(T(~T{0}) >> 1),
                              static_cast<T>((T(~T{0}) >> 1) + 1u),
                              static_cast<T>(~T{0} - T{1}),
                              static_cast<T>(~T{0})};
  for (const T a0 : vals) {
    for (const T b0 : vals) {
      T a = a0, b = b0;
      poison(cspan(reinterpret_cast<const std::uint8_t*>(&a), sizeof a));
      poison(cspan(reinterpret_cast<const std::uint8_t*>(&b), sizeof b));
      T eq = m::equal(a, b).value();
      T lt = m::less(a, b).value();
      T z = m::is_zero(a).value();
      T nz = m::is_nonzero(b).value();
      T both = (m::equal(a, b) | m::less(a, b)).value();
      T sel = m::less(a, b).select(a, b);  // min(a, b)
      T sel2 = ct::select(m::equal(a, b), T{7}, T{9});
      T x = a, y = b;
      ct::cswap(m::less(b, a), x, y);  // sorts x <= y
      T bit = m::from_bit(static_cast<T>(a & 1u)).value();
      publish(eq);
      publish(lt);
      publish(z);
      publish(nz);
      publish(both);
      publish(sel);
      publish(sel2);
      publish(x);
      publish(y);
      publish(bit);
      const T ones = static_cast<T>(~T{0});
      const std::string what = std::string("ct::mask<") + type + "> " + std::to_string(a0) + "," +
                               std::to_string(b0);
      expect(eq == (a0 == b0 ? ones : T{0}), what + " equal");
      expect(lt == (a0 < b0 ? ones : T{0}), what + " less");
      expect(z == (a0 == 0 ? ones : T{0}), what + " is_zero");
      expect(nz == (b0 != 0 ? ones : T{0}), what + " is_nonzero");
      expect(both == (a0 <= b0 ? ones : T{0}), what + " operator|");
      expect(sel == std::min(a0, b0) && sel2 == (a0 == b0 ? T{7} : T{9}), what + " select");
      expect(x == std::min(a0, b0) && y == std::max(a0, b0), what + " cswap");
      expect(bit == ((a0 & 1u) != 0 ? ones : T{0}), what + " from_bit");
    }
  }
}

void check_ct_bytes() {
  for (const std::size_t n : {std::size_t{1}, std::size_t{16}, std::size_t{32}, std::size_t{64}}) {
    for (const std::size_t diff_at : {std::size_t{0}, n / 2, n - 1, n}) {  // n: no difference
      bytes a = pattern(n, static_cast<std::uint32_t>(n));
      bytes b = a;
      if (diff_at < n) b[diff_at] ^= 0x80;
      const std::string what = "ct::equal n " + std::to_string(n) + " diff " + std::to_string(diff_at);
      poison(a);
      poison(b);
      bool e = ct::equal(cspan(a), cspan(b));
      bool e_len = ct::equal(cspan(a), cspan(b).first(n - 1));  // lengths public
      auto em = ct::equal_mask(a.data(), b.data(), n).value();
      // cswap over byte strings with a secret mask.
      bytes x = a, y = b;
      std::uint8_t bit = static_cast<std::uint8_t>(a[0] & 1u);
      ct::cswap(ct::mask<std::uint8_t>::from_bit(bit), std::span(x), std::span(y));
      publish(e);
      publish(e_len);
      publish(em);
      publish(bit);
      unpoison(a);
      unpoison(b);
      unpoison(x);
      unpoison(y);
      expect(e == (diff_at == n), what);
      expect(!e_len, what + " different lengths");
      expect((em != 0) == (diff_at == n), what + " equal_mask");
      expect(bit ? (x == b && y == a) : (x == a && y == b), what + " cswap");
    }
  }

  // Fixed extent, as tags and keys compare, and secret<N>.
  std::array<std::uint8_t, 32> k1{}, k2{};
  const bytes p = pattern(32, 1234);
  std::copy(p.begin(), p.end(), k1.begin());
  for (const std::size_t diff_at : {std::size_t{0}, std::size_t{31}, std::size_t{32}}) {
    k2 = k1;
    if (diff_at < 32) k2[diff_at] ^= 1;
    const e2ee::secret<32> s1{std::span<const std::uint8_t, 32>(k1)};
    const e2ee::secret<32> s2{std::span<const std::uint8_t, 32>(k2)};
    poison(k1);
    poison(k2);
    poison(s1.expose());
    poison(s2.expose());
    bool fixed = ct::equal<32>(k1, k2);
    bool sec = (s1 == s2);
    publish(fixed);
    publish(sec);
    unpoison(k1);
    unpoison(k2);
    unpoison(s1.expose());
    unpoison(s2.expose());
    const std::string what = "ct::equal<32>/secret<32> diff " + std::to_string(diff_at);
    expect(fixed == (diff_at == 32), what + " equal<32>");
    expect(sec == (diff_at == 32), what + " secret ==");
  }
}

// ---------------------------------------------------------------- kernels
void set_disable(const std::string& list) {
  if (list.empty()) {
    unsetenv("E2EE_CPU_DISABLE");
  } else {
    setenv("E2EE_CPU_DISABLE", list.c_str(), 1);
  }
  e2ee::cpu::refresh();
}

struct kernel_setting {
  std::string disable;
  e2ee::sha256_impl s256;
  e2ee::sha512_impl s512;
};

// Every distinct pair of default kernels reachable by disabling nothing, one
// feature, or everything.
std::vector<kernel_setting> kernel_settings() {
  std::vector<std::string> candidates{""};
  for (const auto& f : e2ee::cpu::feature_set::names()) candidates.emplace_back(f.name);
  candidates.emplace_back("all");
  std::vector<kernel_setting> out;
  for (const auto& c : candidates) {
    set_disable(c);
    const kernel_setting s{c, e2ee::best_sha256_impl(), e2ee::best_sha512_impl()};
    const bool seen = std::any_of(out.begin(), out.end(), [&](const kernel_setting& o) {
      return o.s256 == s.s256 && o.s512 == s.s512;
    });
    if (!seen) out.push_back(s);
  }
  set_disable("");
  return out;
}

}  // namespace

int main() {
  ctcheck::state().program = "ct_check";
  const char* saved = std::getenv("E2EE_CPU_DISABLE");
  const std::string saved_disable = saved ? saved : "";
  set_disable("");
  std::printf("ct_check: cpu features: %s\n", e2ee::cpu::features().to_string().c_str());

  // SHA-2, every kernel forced.
  for (const auto impl : e2ee::all_sha256_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_check: sha256 kernel %s: NOT CHECKED (not available on this (virtual) CPU)\n",
                  std::string(to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_check: sha256 kernel %s\n", std::string(to_string(impl)).c_str());
    check_hash<e2ee::sha256>(impl);
  }
  for (const auto impl : e2ee::all_sha512_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_check: sha512 kernel %s: NOT CHECKED (not available on this (virtual) CPU)\n",
                  std::string(to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_check: sha512 kernel %s\n", std::string(to_string(impl)).c_str());
    check_hash<e2ee::sha512>(impl);
  }

  // HMAC and HKDF take the default kernel: reach each through E2EE_CPU_DISABLE.
  for (const auto& s : kernel_settings()) {
    set_disable(s.disable);
    const std::string kernel = "E2EE_CPU_DISABLE=" + s.disable + ": sha256 " +
                               std::string(to_string(s.s256)) + ", sha512 " +
                               std::string(to_string(s.s512));
    std::printf("ct_check: hmac/hkdf with %s\n", kernel.c_str());
    check_hash_default<e2ee::sha256>();
    check_hash_default<e2ee::sha512>();
    check_hmac<e2ee::sha256>(kernel);
    check_hmac<e2ee::sha512>(kernel);
    check_hkdf<e2ee::sha256>(kernel);
    check_hkdf<e2ee::sha512>(kernel);
  }
  set_disable(saved_disable);

  check_ct_mask<std::uint8_t>("uint8_t");
  check_ct_mask<std::uint16_t>("uint16_t");
  check_ct_mask<std::uint32_t>("uint32_t");
  check_ct_mask<std::uint64_t>("uint64_t");
  check_ct_bytes();

  return report();
}
