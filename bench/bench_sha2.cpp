// bench/bench_sha2.cpp — SHA-256, SHA-512, HMAC-SHA256, HKDF-SHA256: every e2ee
// kernel against OpenSSL 3 and libsodium (PERF.md "Hashes, HMAC, HKDF").
//
//   sha256/<impl>/{64,1024,16384}       sha512/<impl>/{64,1024,16384}
//   hmac_sha256/<impl>/{1,64}           32-byte key (the ratchet's chain step)
//   hkdf_sha256/<impl>/80               32-byte salt and ikm, 18-byte info -> 80 bytes
//
// Each case is an engine (bench_common.hpp): construction does the set-up
// (fetching algorithms, contexts, inputs), operator() is one timed operation.
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/mac/hmac.hpp>

#include <array>
#include <cstring>
#include <vector>

#include "bench_common.hpp"
#include "peers.hpp"

namespace e2ee_bench {
namespace {

using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

// Inputs (deterministic, distinct per role).
constexpr std::size_t key_size = 32, ikm_size = 32, salt_size = 32, info_size = 18,
                      okm_size = 80;

// ---- engines: e2ee -------------------------------------------------------------

template <class H, class Impl>
struct e2ee_hash {
  e2ee_hash(Impl impl, std::size_t n) : impl_(impl), msg_(pattern(n)) {}
  bool operator()() noexcept {
    const std::uint8_t* p = msg_.data();
    keep(p);
    H h(impl_);
    h.update(cspan(p, msg_.size()));
    out_ = h.finish();
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  bool kernel_ok() const noexcept { return H(impl_).implementation() == impl_; }

  Impl impl_;
  bytes msg_;
  typename H::digest out_{};
};

struct e2ee_hmac256 {
  explicit e2ee_hmac256(std::size_t n) : key_(pattern(key_size, 2)), msg_(pattern(n, 3)) {}
  bool operator()() noexcept {
    const std::uint8_t* k = key_.data();
    const std::uint8_t* m = msg_.data();
    keep(k);
    keep(m);
    out_ = e2ee::hmac<e2ee::sha256>::mac(cspan(k, key_.size()), cspan(m, msg_.size()));
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }

  bytes key_, msg_;
  e2ee::hmac<e2ee::sha256>::tag out_{};
};

struct e2ee_hkdf256 {
  e2ee_hkdf256() : salt_(pattern(salt_size, 4)), ikm_(pattern(ikm_size, 5)), info_(pattern(info_size, 6)) {}
  bool operator()() noexcept {
    const std::uint8_t* s = salt_.data();
    const std::uint8_t* k = ikm_.data();
    keep(s);
    keep(k);
    out_ = e2ee::hkdf<e2ee::sha256>::derive<okm_size>(cspan(s, salt_.size()),
                                                      cspan(k, ikm_.size()), info_);
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }

  bytes salt_, ikm_, info_;
  std::array<std::uint8_t, okm_size> out_{};
};

// ---- engines: OpenSSL ----------------------------------------------------------

#if defined(E2EE_BENCH_OPENSSL)
// EVP_Digest*: MD fetched once, one context reused (PERF.md best use).
struct openssl_hash {
  openssl_hash(const char* alg, std::size_t n)
      : md_(EVP_MD_fetch(nullptr, alg, nullptr)), ctx_(EVP_MD_CTX_new()), msg_(pattern(n)) {
    if (md_) out_.resize(static_cast<std::size_t>(EVP_MD_get_size(md_.get())));
  }
  bool operator()() noexcept {
    const std::uint8_t* p = msg_.data();
    keep(p);
    unsigned len = 0;
    const bool ok = EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx_.get(), p, msg_.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx_.get(), out_.data(), &len) == 1;
    keep(out_);
    return ok && len == out_.size();
  }
  cspan result() const noexcept { return out_; }

  ossl::md md_;
  ossl::md_ctx ctx_;
  bytes msg_, out_;
};

// EVP_MAC HMAC: MAC fetched, digest set once; per message init(key)+update+final.
struct openssl_hmac256 {
  explicit openssl_hmac256(std::size_t n)
      : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)),
        ctx_(mac_ ? EVP_MAC_CTX_new(mac_.get()) : nullptr),
        key_(pattern(key_size, 2)),
        msg_(pattern(n, 3)),
        out_(32) {
    const OSSL_PARAM params[] = {ossl::utf8(OSSL_MAC_PARAM_DIGEST, "SHA256"), OSSL_PARAM_END};
    ready_ = ctx_ && EVP_MAC_CTX_set_params(ctx_.get(), params) == 1;
  }
  bool operator()() noexcept {
    const std::uint8_t* k = key_.data();
    const std::uint8_t* m = msg_.data();
    keep(k);
    keep(m);
    std::size_t len = 0;
    const bool ok = EVP_MAC_init(ctx_.get(), k, key_.size(), nullptr) == 1 &&
                    EVP_MAC_update(ctx_.get(), m, msg_.size()) == 1 &&
                    EVP_MAC_final(ctx_.get(), out_.data(), &len, out_.size()) == 1;
    keep(out_);
    return ready_ && ok && len == out_.size();
  }
  cspan result() const noexcept { return out_; }

  ossl::mac mac_;
  ossl::mac_ctx ctx_;
  bytes key_, msg_, out_;
  bool ready_ = false;
};

// EVP_KDF HKDF: digest, salt and info set once on a reused context; per call
// only the key (ikm) is passed to EVP_KDF_derive (PERF.md best use).
struct openssl_hkdf256 {
  openssl_hkdf256()
      : kdf_(EVP_KDF_fetch(nullptr, "HKDF", nullptr)),
        ctx_(kdf_ ? EVP_KDF_CTX_new(kdf_.get()) : nullptr),
        salt_(pattern(salt_size, 4)),
        ikm_(pattern(ikm_size, 5)),
        info_(pattern(info_size, 6)),
        out_(okm_size) {
    const OSSL_PARAM params[] = {ossl::utf8(OSSL_KDF_PARAM_DIGEST, "SHA256"),
                                 ossl::octets(OSSL_KDF_PARAM_SALT, salt_.data(), salt_.size()),
                                 ossl::octets(OSSL_KDF_PARAM_INFO, info_.data(), info_.size()),
                                 OSSL_PARAM_END};
    ready_ = ctx_ && EVP_KDF_CTX_set_params(ctx_.get(), params) == 1;
  }
  bool operator()() noexcept {
    const std::uint8_t* k = ikm_.data();
    keep(k);
    const OSSL_PARAM params[] = {ossl::octets(OSSL_KDF_PARAM_KEY, k, ikm_.size()), OSSL_PARAM_END};
    const bool ok = EVP_KDF_derive(ctx_.get(), out_.data(), out_.size(), params) == 1;
    keep(out_);
    return ready_ && ok;
  }
  cspan result() const noexcept { return out_; }

  ossl::kdf kdf_;
  ossl::kdf_ctx ctx_;
  bytes salt_, ikm_, info_, out_;
  bool ready_ = false;
};
#endif

// ---- engines: libsodium --------------------------------------------------------

#if defined(E2EE_BENCH_SODIUM)
template <int (*Fn)(unsigned char*, const unsigned char*, unsigned long long), std::size_t Out>
struct sodium_hash {
  explicit sodium_hash(std::size_t n) : msg_(pattern(n)) {}
  bool operator()() noexcept {
    const std::uint8_t* p = msg_.data();
    keep(p);
    const bool ok = Fn(out_.data(), p, msg_.size()) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }

  bytes msg_;
  std::array<std::uint8_t, Out> out_{};
};

struct sodium_hmac256 {
  explicit sodium_hmac256(std::size_t n) : key_(pattern(key_size, 2)), msg_(pattern(n, 3)) {}
  bool operator()() noexcept {
    const std::uint8_t* k = key_.data();
    const std::uint8_t* m = msg_.data();
    keep(k);
    keep(m);
    const bool ok = crypto_auth_hmacsha256(out_.data(), m, msg_.size(), k) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }

  bytes key_, msg_;
  std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> out_{};
};

// libsodium 1.0.18 has no HKDF: composed from crypto_auth_hmacsha256_* as
// PERF.md describes — extract, then the PRK-keyed state is set up once and
// copied for each 32-byte block T(i) = HMAC(PRK, T(i-1) | info | i) (RFC 5869).
struct sodium_hkdf256 {
  sodium_hkdf256() : salt_(pattern(salt_size, 4)), ikm_(pattern(ikm_size, 5)), info_(pattern(info_size, 6)) {}
  bool operator()() noexcept {
    const std::uint8_t* s = salt_.data();
    const std::uint8_t* k = ikm_.data();
    keep(s);
    keep(k);
    std::array<std::uint8_t, 32> prk;
    crypto_auth_hmacsha256_state st, keyed;
    crypto_auth_hmacsha256_init(&st, s, salt_.size());
    crypto_auth_hmacsha256_update(&st, k, ikm_.size());
    crypto_auth_hmacsha256_final(&st, prk.data());
    crypto_auth_hmacsha256_init(&keyed, prk.data(), prk.size());
    std::array<std::uint8_t, 32> t;
    for (std::size_t i = 0, done = 0; done < okm_size; ++i) {
      st = keyed;
      if (i > 0) crypto_auth_hmacsha256_update(&st, t.data(), t.size());
      crypto_auth_hmacsha256_update(&st, info_.data(), info_.size());
      const unsigned char counter = static_cast<unsigned char>(i + 1);
      crypto_auth_hmacsha256_update(&st, &counter, 1);
      crypto_auth_hmacsha256_final(&st, t.data());
      const std::size_t take = okm_size - done < t.size() ? okm_size - done : t.size();
      std::memcpy(out_.data() + done, t.data(), take);
      done += take;
    }
    sodium_memzero(prk.data(), prk.size());
    sodium_memzero(t.data(), t.size());
    sodium_memzero(&keyed, sizeof keyed);
    sodium_memzero(&st, sizeof st);
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }

  bytes salt_, ikm_, info_;
  std::array<std::uint8_t, okm_size> out_{};
};
#endif

// ---- references -----------------------------------------------------------------
// e2ee rows are checked against a peer (OpenSSL, else libsodium); peer rows
// against e2ee's own choice of kernel. Without any peer, e2ee rows are checked
// against e2ee's portable path (consistency only; the tests check the vectors).

bytes peer_sha256(std::size_t n) {
#if defined(E2EE_BENCH_OPENSSL)
  return answer(openssl_hash("SHA256", n));
#elif defined(E2EE_BENCH_SODIUM)
  return answer(sodium_hash<crypto_hash_sha256, 32>(n));
#else
  return answer(e2ee_hash<e2ee::sha256, e2ee::sha256_impl>(e2ee::sha256_impl::portable, n));
#endif
}
bytes peer_sha512(std::size_t n) {
#if defined(E2EE_BENCH_OPENSSL)
  return answer(openssl_hash("SHA512", n));
#elif defined(E2EE_BENCH_SODIUM)
  return answer(sodium_hash<crypto_hash_sha512, 64>(n));
#else
  return answer(e2ee_hash<e2ee::sha512, e2ee::sha512_impl>(e2ee::sha512_impl::portable, n));
#endif
}
bytes peer_hmac256(std::size_t n) {
#if defined(E2EE_BENCH_OPENSSL)
  return answer(openssl_hmac256(n));
#elif defined(E2EE_BENCH_SODIUM)
  return answer(sodium_hmac256(n));
#else
  const scoped_cpu_disable portable("all");
  return answer(e2ee_hmac256(n));
#endif
}
bytes peer_hkdf256() {
#if defined(E2EE_BENCH_OPENSSL)
  return answer(openssl_hkdf256());
#elif defined(E2EE_BENCH_SODIUM)
  return answer(sodium_hkdf256());
#else
  const scoped_cpu_disable portable("all");
  return answer(e2ee_hkdf256());
#endif
}

// dispatch_variants: the kernel e2ee picks with the user's E2EE_CPU_DISABLE, and
// the portable path if that is a different one.
std::vector<dispatch_variant> sha256_dispatch_variants() {
  std::vector<dispatch_variant> v;
  const std::string best(e2ee::to_string(e2ee::best_sha256_impl()));
  v.push_back({best, nullptr});
  if (best != e2ee::to_string(e2ee::sha256_impl::portable))
    v.push_back({std::string(e2ee::to_string(e2ee::sha256_impl::portable)), "all"});
  return v;
}

// mine: e2ee's answer with the kernel it picks by itself (checks the peer rows).
template <class H>
bytes mine_hash(std::size_t n) {
  const auto d = H::hash(pattern(n));
  return bytes(d.begin(), d.end());
}

template <class H, class Impl, std::size_t N, class Sodium>
void register_hash(std::string_view op, const std::array<Impl, N>& impls, Impl best,
                   [[maybe_unused]] const char* openssl_name, bytes (*peer)(std::size_t)) {
  note_kernel(op, e2ee::to_string(best));
  for (const std::size_t n : {std::size_t{64}, std::size_t{1024}, std::size_t{16384}}) {
    for (const Impl impl : impls) {
      if (!e2ee::supported(impl)) continue;
      add(op, "e2ee:" + std::string(e2ee::to_string(impl)), n,
          [impl, n, peer](benchmark::State& st) {
            e2ee_hash<H, Impl> e(impl, n);
            if (!e.kernel_ok()) {
              st.SkipWithError("the forced kernel was not used");
              return;
            }
            measure(st, e, n, peer(n), "e2ee");
          });
    }
#if defined(E2EE_BENCH_OPENSSL)
    add(op, "openssl", n, [openssl_name, n](benchmark::State& st) {
      openssl_hash e(openssl_name, n);
      measure(st, e, n, mine_hash<H>(n), "openssl");
    });
#endif
#if defined(E2EE_BENCH_SODIUM)
    add(op, "sodium", n, [n](benchmark::State& st) {
      Sodium e(n);
      measure(st, e, n, mine_hash<H>(n), "sodium");
    });
#endif
  }
}

#if defined(E2EE_BENCH_SODIUM)
using sodium_sha256 = sodium_hash<crypto_hash_sha256, crypto_hash_sha256_BYTES>;
using sodium_sha512 = sodium_hash<crypto_hash_sha512, crypto_hash_sha512_BYTES>;
#else
using sodium_sha256 = void;
using sodium_sha512 = void;
#endif

void register_hmac_hkdf() {
  const auto variants = sha256_dispatch_variants();
  note_kernel("hmac_sha256", variants.front().kernel);
  note_kernel("hkdf_sha256", variants.front().kernel);

  for (const std::size_t n : {std::size_t{1}, std::size_t{64}}) {
    [[maybe_unused]] const auto mine = [n] { return answer(e2ee_hmac256(n)); };
    for (const auto& v : variants)
      add("hmac_sha256", "e2ee:" + v.kernel, n, [v, n](benchmark::State& st) {
        const scoped_cpu_disable force(v.disable);
        if (e2ee::to_string(e2ee::best_sha256_impl()) != v.kernel) {
          st.SkipWithError("could not force the kernel");
          return;
        }
        e2ee_hmac256 e(n);
        measure(st, e, n, peer_hmac256(n), "e2ee");
      });
#if defined(E2EE_BENCH_OPENSSL)
    add("hmac_sha256", "openssl", n, [n, mine](benchmark::State& st) {
      openssl_hmac256 e(n);
      measure(st, e, n, mine(), "openssl");
    });
#endif
#if defined(E2EE_BENCH_SODIUM)
    add("hmac_sha256", "sodium", n, [n, mine](benchmark::State& st) {
      sodium_hmac256 e(n);
      measure(st, e, n, mine(), "sodium");
    });
#endif
  }

  for (const auto& v : variants)
    add("hkdf_sha256", "e2ee:" + v.kernel, okm_size, [v](benchmark::State& st) {
      const scoped_cpu_disable force(v.disable);
      if (e2ee::to_string(e2ee::best_sha256_impl()) != v.kernel) {
        st.SkipWithError("could not force the kernel");
        return;
      }
      e2ee_hkdf256 e;
      measure(st, e, okm_size, peer_hkdf256(), "e2ee");
    });
#if defined(E2EE_BENCH_OPENSSL)
  add("hkdf_sha256", "openssl", okm_size, [](benchmark::State& st) {
    openssl_hkdf256 e;
    measure(st, e, okm_size, answer(e2ee_hkdf256()), "openssl");
  });
#endif
#if defined(E2EE_BENCH_SODIUM)
  add("hkdf_sha256", "sodium", okm_size, [](benchmark::State& st) {
    sodium_hkdf256 e;
    measure(st, e, okm_size, answer(e2ee_hkdf256()), "sodium");
  });
#endif
}

void register_sha2() {
  register_hash<e2ee::sha256, e2ee::sha256_impl, e2ee::all_sha256_impls.size(), sodium_sha256>(
      "sha256", e2ee::all_sha256_impls, e2ee::best_sha256_impl(), "SHA256", &peer_sha256);
  register_hash<e2ee::sha512, e2ee::sha512_impl, e2ee::all_sha512_impls.size(), sodium_sha512>(
      "sha512", e2ee::all_sha512_impls, e2ee::best_sha512_impl(), "SHA512", &peer_sha512);
  register_hmac_hkdf();
}

const registrar sha2_registrar(&register_sha2, 10);

}  // namespace
}  // namespace e2ee_bench
