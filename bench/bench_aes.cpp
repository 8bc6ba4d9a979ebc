// bench/bench_aes.cpp — AES-256-GCM and AES-256-CBC: every e2ee kernel against
// OpenSSL 3 and libsodium (PERF.md "AES-256-GCM encrypt + 16-byte tag, no AD").
//
//   aes256_gcm/<impl>/{16,64,256,1024,16384,1048576}          encrypt, key set once, 12-byte nonce, no AD
//   aes256_gcm_decrypt/<impl>/{16,64,256,1024,16384,1048576}  decrypt + tag check, same
//   aes256_gcm_new_key/<impl>/64                              key set up per message (ratchet case)
//   aes256_cbc_encrypt/<impl>/16384                 PKCS#7, result = ciphertext
//   aes256_cbc_decrypt/<impl>/16384                 16384 bytes of plaintext inside
//
// Results are ciphertext || tag (GCM) or the ciphertext / plaintext (CBC),
// checked against another implementation before and after the timed loop.
#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>
#include <e2ee/cipher/cbc.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "peers.hpp"

namespace e2ee_bench {
namespace {

using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

constexpr std::size_t key_size = 32, nonce_size = 12, tag_size = 16, cbc_size = 16384;

std::array<std::uint8_t, key_size> bench_key(std::uint8_t seed = 7) {
  std::array<std::uint8_t, key_size> k{};
  const auto p = pattern(key_size, seed);
  std::copy(p.begin(), p.end(), k.begin());
  return k;
}
std::array<std::uint8_t, 16> bench_iv() {
  std::array<std::uint8_t, 16> iv{};
  const auto p = pattern(16, 9);
  std::copy(p.begin(), p.end(), iv.begin());
  return iv;
}

// ---- engines: e2ee -------------------------------------------------------------

// GCM, key set up once.
struct e2ee_gcm {
  e2ee_gcm(e2ee::aes_gcm_impl impl, std::size_t n)
      : g_(bench_key(), impl), nonce_(pattern(nonce_size, 8)), msg_(pattern(n)), out_(n + tag_size) {}
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    const std::span<std::uint8_t> out(out_);
    const bool ok = g_.encrypt(nonce_, {}, cspan(m, msg_.size()), out.first(msg_.size()),
                               out.subspan(msg_.size()).first<tag_size>());
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  bool kernel_ok(e2ee::aes_gcm_impl impl) const noexcept { return g_.implementation() == impl; }

  e2ee::aes256_gcm g_;
  bytes nonce_, msg_, out_;
};

// GCM decrypt (tag checked), key set up once; result = the plaintext.
struct e2ee_gcm_decrypt {
  e2ee_gcm_decrypt(e2ee::aes_gcm_impl impl, std::size_t n)
      : g_(bench_key(), impl), nonce_(pattern(nonce_size, 8)), sealed_(g_.seal(nonce_, {}, pattern(n))), out_(n) {}
  bool operator()() noexcept {
    const std::uint8_t* c = sealed_.data();
    keep(c);
    const std::size_t n = out_.size();
    const bool ok = g_.decrypt(nonce_, {}, cspan(c, n), cspan(c + n, tag_size).first<tag_size>(), out_);
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  bool kernel_ok(e2ee::aes_gcm_impl impl) const noexcept { return g_.implementation() == impl; }

  e2ee::aes256_gcm g_;
  bytes nonce_, sealed_, out_;
};

// GCM, key set up per message: construct (schedule, H) + encrypt.
struct e2ee_gcm_new_key {
  e2ee_gcm_new_key(e2ee::aes_gcm_impl impl, std::size_t n)
      : impl_(impl), key_(bench_key()), nonce_(pattern(nonce_size, 8)), msg_(pattern(n)), out_(n + tag_size) {}
  bool operator()() noexcept {
    const std::uint8_t* k = key_.data();
    const std::uint8_t* m = msg_.data();
    keep(k);
    keep(m);
    const e2ee::aes256_gcm g(std::span<const std::uint8_t, key_size>(k, key_size), impl_);
    const std::span<std::uint8_t> out(out_);
    const bool ok = g.encrypt(nonce_, {}, cspan(m, msg_.size()), out.first(msg_.size()),
                              out.subspan(msg_.size()).first<tag_size>());
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }

  e2ee::aes_gcm_impl impl_;
  std::array<std::uint8_t, key_size> key_;
  bytes nonce_, msg_, out_;
};

struct e2ee_cbc_encrypt {
  explicit e2ee_cbc_encrypt(e2ee::aes_impl impl) : impl_(impl), key_(bench_key()), iv_(bench_iv()), msg_(pattern(cbc_size)) {}
  bool operator()() {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_ = e2ee::aes256_cbc::encrypt(key_, iv_, cspan(m, msg_.size()), impl_);
    keep(out_);
    return !out_.empty();
  }
  cspan result() const noexcept { return out_; }

  e2ee::aes_impl impl_;
  std::array<std::uint8_t, key_size> key_;
  std::array<std::uint8_t, 16> iv_;
  bytes msg_, out_;
};

struct e2ee_cbc_decrypt {
  explicit e2ee_cbc_decrypt(e2ee::aes_impl impl)
      : impl_(impl), key_(bench_key()), iv_(bench_iv()),
        ct_(e2ee::aes256_cbc::encrypt(key_, iv_, pattern(cbc_size), e2ee::aes_impl::portable)) {}
  bool operator()() {
    const std::uint8_t* c = ct_.data();
    keep(c);
    auto p = e2ee::aes256_cbc::decrypt(key_, iv_, cspan(c, ct_.size()), impl_);
    if (!p) return false;
    out_ = std::move(*p);
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }

  e2ee::aes_impl impl_;
  std::array<std::uint8_t, key_size> key_;
  std::array<std::uint8_t, 16> iv_;
  bytes ct_, out_;
};

// ---- engines: OpenSSL ----------------------------------------------------------

#if defined(E2EE_BENCH_OPENSSL)
struct cipher_free {
  void operator()(EVP_CIPHER* p) const noexcept { EVP_CIPHER_free(p); }
};
struct cipher_ctx_free {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using evp_cipher = std::unique_ptr<EVP_CIPHER, cipher_free>;
using evp_cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free>;

// EVP AES-256-GCM: cipher fetched once, context reused; per message the IV
// (and with new_key the key) is set, then update + final + tag (PERF.md).
struct openssl_gcm {
  openssl_gcm(std::size_t n, bool new_key)
      : cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
        ctx_(EVP_CIPHER_CTX_new()),
        new_key_(new_key),
        key_(bench_key()),
        nonce_(pattern(nonce_size, 8)),
        msg_(pattern(n)),
        out_(n + tag_size) {
    ready_ = cipher_ && ctx_ &&
             EVP_EncryptInit_ex2(ctx_.get(), cipher_.get(), key_.data(), nonce_.data(), nullptr) == 1;
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    const std::uint8_t* k = key_.data();
    keep(m);
    keep(k);
    int len = 0, fin = 0;
    const bool ok = EVP_EncryptInit_ex2(ctx_.get(), nullptr, new_key_ ? k : nullptr, nonce_.data(), nullptr) == 1 &&
                    EVP_EncryptUpdate(ctx_.get(), out_.data(), &len, m, static_cast<int>(msg_.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx_.get(), out_.data() + len, &fin) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                                        out_.data() + msg_.size()) == 1;
    keep(out_);
    return ready_ && ok && static_cast<std::size_t>(len + fin) == msg_.size();
  }
  cspan result() const noexcept { return out_; }

  evp_cipher cipher_;
  evp_cipher_ctx ctx_;
  bool new_key_;
  std::array<std::uint8_t, key_size> key_;
  bytes nonce_, msg_, out_;
  bool ready_ = false;
};

// EVP AES-256-GCM decryption with the tag checked in Final; key set once.
struct openssl_gcm_decrypt {
  explicit openssl_gcm_decrypt(std::size_t n)
      : cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
        ctx_(EVP_CIPHER_CTX_new()),
        key_(bench_key()),
        nonce_(pattern(nonce_size, 8)),
        sealed_(e2ee::aes256_gcm(bench_key()).seal(nonce_, {}, pattern(n))),
        out_(n) {
    ready_ = cipher_ && ctx_ &&
             EVP_DecryptInit_ex2(ctx_.get(), cipher_.get(), key_.data(), nonce_.data(), nullptr) == 1;
  }
  bool operator()() noexcept {
    const std::uint8_t* c = sealed_.data();
    keep(c);
    const std::size_t n = out_.size();
    int len = 0, fin = 0;
    const bool ok = EVP_DecryptInit_ex2(ctx_.get(), nullptr, nullptr, nonce_.data(), nullptr) == 1 &&
                    EVP_DecryptUpdate(ctx_.get(), out_.data(), &len, c, static_cast<int>(n)) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size),
                                        const_cast<std::uint8_t*>(c + n)) == 1 &&
                    EVP_DecryptFinal_ex(ctx_.get(), out_.data() + len, &fin) == 1;
    keep(out_);
    return ready_ && ok && static_cast<std::size_t>(len + fin) == n;
  }
  cspan result() const noexcept { return out_; }

  evp_cipher cipher_;
  evp_cipher_ctx ctx_;
  std::array<std::uint8_t, key_size> key_;
  bytes nonce_, sealed_, out_;
  bool ready_ = false;
};

// EVP AES-256-CBC (PKCS#7 padding on by default), key set once.
struct openssl_cbc {
  explicit openssl_cbc(bool encrypt)
      : cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)),
        ctx_(EVP_CIPHER_CTX_new()),
        encrypt_(encrypt),
        key_(bench_key()),
        iv_(bench_iv()),
        in_(encrypt ? pattern(cbc_size) : e2ee::aes256_cbc::encrypt(key_, iv_, pattern(cbc_size))),
        out_(in_.size() + 16) {
    ready_ = cipher_ && ctx_ &&
             EVP_CipherInit_ex2(ctx_.get(), cipher_.get(), key_.data(), iv_.data(), encrypt ? 1 : 0, nullptr) == 1;
  }
  bool operator()() noexcept {
    const std::uint8_t* p = in_.data();
    keep(p);
    int len = 0, fin = 0;
    const bool ok = EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, iv_.data(), encrypt_ ? 1 : 0, nullptr) == 1 &&
                    EVP_CipherUpdate(ctx_.get(), out_.data(), &len, p, static_cast<int>(in_.size())) == 1 &&
                    EVP_CipherFinal_ex(ctx_.get(), out_.data() + len, &fin) == 1;
    n_ = static_cast<std::size_t>(len + fin);
    keep(out_);
    return ready_ && ok;
  }
  cspan result() const noexcept { return cspan(out_).first(n_); }

  evp_cipher cipher_;
  evp_cipher_ctx ctx_;
  bool encrypt_;
  std::array<std::uint8_t, key_size> key_;
  std::array<std::uint8_t, 16> iv_;
  bytes in_, out_;
  std::size_t n_ = 0;
  bool ready_ = false;
};
#endif

// ---- engines: libsodium --------------------------------------------------------

#if defined(E2EE_BENCH_SODIUM)
// crypto_aead_aes256gcm: _afternm with a precomputed state (key set once), or
// _encrypt_detached, which expands the key on every call.
struct sodium_gcm {
  sodium_gcm(std::size_t n, bool new_key)
      : new_key_(new_key), key_(bench_key()), nonce_(pattern(nonce_size, 8)), msg_(pattern(n)), out_(n + tag_size) {
    available_ = crypto_aead_aes256gcm_is_available() == 1;
    if (available_) crypto_aead_aes256gcm_beforenm(&state_, key_.data());
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    const std::uint8_t* k = key_.data();
    keep(m);
    keep(k);
    unsigned long long maclen = 0;
    const int rc = new_key_
                       ? crypto_aead_aes256gcm_encrypt_detached(out_.data(), out_.data() + msg_.size(), &maclen, m,
                                                                msg_.size(), nullptr, 0, nullptr, nonce_.data(), k)
                       : crypto_aead_aes256gcm_encrypt_detached_afternm(out_.data(), out_.data() + msg_.size(),
                                                                        &maclen, m, msg_.size(), nullptr, 0, nullptr,
                                                                        nonce_.data(), &state_);
    keep(out_);
    return available_ && rc == 0 && maclen == tag_size;
  }
  cspan result() const noexcept { return out_; }

  bool new_key_;
  bool available_ = false;
  std::array<std::uint8_t, key_size> key_;
  bytes nonce_, msg_, out_;
  alignas(16) crypto_aead_aes256gcm_state state_{};
};

// crypto_aead_aes256gcm_decrypt_detached_afternm (tag checked), key set once.
struct sodium_gcm_decrypt {
  explicit sodium_gcm_decrypt(std::size_t n)
      : key_(bench_key()),
        nonce_(pattern(nonce_size, 8)),
        sealed_(e2ee::aes256_gcm(bench_key()).seal(nonce_, {}, pattern(n))),
        out_(n) {
    available_ = crypto_aead_aes256gcm_is_available() == 1;
    if (available_) crypto_aead_aes256gcm_beforenm(&state_, key_.data());
  }
  bool operator()() noexcept {
    const std::uint8_t* c = sealed_.data();
    keep(c);
    const std::size_t n = out_.size();
    const int rc = crypto_aead_aes256gcm_decrypt_detached_afternm(out_.data(), nullptr, c, n, c + n, nullptr, 0,
                                                                   nonce_.data(), &state_);
    keep(out_);
    return available_ && rc == 0;
  }
  cspan result() const noexcept { return out_; }

  bool available_ = false;
  std::array<std::uint8_t, key_size> key_;
  bytes nonce_, sealed_, out_;
  alignas(16) crypto_aead_aes256gcm_state state_{};
};
#endif

// ---- registration ----------------------------------------------------------------

// mine_gcm: e2ee's answer with the kernel it picks by itself (checks the peers).
bytes mine_gcm(std::size_t n) { return answer(e2ee_gcm(e2ee::best_aes_gcm_impl(), n)); }
// reference for e2ee rows: the portable path (or a peer when present).
bytes reference_gcm(std::size_t n) {
#if defined(E2EE_BENCH_OPENSSL)
  return answer(openssl_gcm(n, false));
#else
  return answer(e2ee_gcm(e2ee::aes_gcm_impl::portable, n));
#endif
}

void register_gcm() {
  note_kernel("aes256_gcm", e2ee::to_string(e2ee::best_aes_gcm_impl()));
  note_kernel("aes256_gcm_new_key", e2ee::to_string(e2ee::best_aes_gcm_impl()));
  note_kernel("aes256_gcm_decrypt", e2ee::to_string(e2ee::best_aes_gcm_impl()));
  for (const std::size_t n : {std::size_t{16}, std::size_t{64}, std::size_t{256}, std::size_t{1024},
                              std::size_t{16384}, std::size_t{1} << 20}) {
    const bytes plain = pattern(n);
    for (const auto impl : e2ee::all_aes_gcm_impls) {
      if (!e2ee::supported(impl)) continue;
      add("aes256_gcm_decrypt", "e2ee:" + std::string(e2ee::to_string(impl)), n,
          [impl, n, plain](benchmark::State& st) {
            e2ee_gcm_decrypt e(impl, n);
            if (!e.kernel_ok(impl)) {
              st.SkipWithError("the forced kernel was not used");
              return;
            }
            measure(st, e, n, plain, "e2ee");
          });
    }
#if defined(E2EE_BENCH_OPENSSL)
    add("aes256_gcm_decrypt", "openssl", n, [n, plain](benchmark::State& st) {
      openssl_gcm_decrypt e(n);
      measure(st, e, n, plain, "openssl");
    });
#endif
#if defined(E2EE_BENCH_SODIUM)
    add("aes256_gcm_decrypt", "sodium", n, [n, plain](benchmark::State& st) {
      sodium_gcm_decrypt e(n);
      measure(st, e, n, plain, "sodium");
    });
#endif
    for (const auto impl : e2ee::all_aes_gcm_impls) {
      if (!e2ee::supported(impl)) continue;
      add("aes256_gcm", "e2ee:" + std::string(e2ee::to_string(impl)), n, [impl, n](benchmark::State& st) {
        e2ee_gcm e(impl, n);
        if (!e.kernel_ok(impl)) {
          st.SkipWithError("the forced kernel was not used");
          return;
        }
        measure(st, e, n, reference_gcm(n), "e2ee");
      });
    }
#if defined(E2EE_BENCH_OPENSSL)
    add("aes256_gcm", "openssl", n, [n](benchmark::State& st) {
      openssl_gcm e(n, false);
      measure(st, e, n, mine_gcm(n), "openssl");
    });
#endif
#if defined(E2EE_BENCH_SODIUM)
    add("aes256_gcm", "sodium", n, [n](benchmark::State& st) {
      sodium_gcm e(n, false);
      measure(st, e, n, mine_gcm(n), "sodium");
    });
#endif
  }
  constexpr std::size_t fresh = 64;
  for (const auto impl : e2ee::all_aes_gcm_impls) {
    if (!e2ee::supported(impl)) continue;
    add("aes256_gcm_new_key", "e2ee:" + std::string(e2ee::to_string(impl)), fresh, [impl](benchmark::State& st) {
      e2ee_gcm_new_key e(impl, fresh);
      measure(st, e, fresh, reference_gcm(fresh), "e2ee");
    });
  }
#if defined(E2EE_BENCH_OPENSSL)
  add("aes256_gcm_new_key", "openssl", fresh, [](benchmark::State& st) {
    openssl_gcm e(fresh, true);
    measure(st, e, fresh, mine_gcm(fresh), "openssl");
  });
#endif
#if defined(E2EE_BENCH_SODIUM)
  add("aes256_gcm_new_key", "sodium", fresh, [](benchmark::State& st) {
    sodium_gcm e(fresh, true);
    measure(st, e, fresh, mine_gcm(fresh), "sodium");
  });
#endif
}

void register_cbc() {
  note_kernel("aes256_cbc_encrypt", e2ee::to_string(e2ee::best_aes_impl()));
  note_kernel("aes256_cbc_decrypt", e2ee::to_string(e2ee::best_aes_impl()));
  const bytes plain = pattern(cbc_size);
  const bytes cipher = e2ee::aes256_cbc::encrypt(bench_key(), bench_iv(), plain, e2ee::aes_impl::portable);
  for (const auto impl : e2ee::all_aes_impls) {
    if (!e2ee::supported(impl)) continue;
    const std::string name = "e2ee:" + std::string(e2ee::to_string(impl));
    add("aes256_cbc_encrypt", name, cbc_size, [impl, cipher](benchmark::State& st) {
      e2ee_cbc_encrypt e(impl);
      measure(st, e, cbc_size, cipher, "e2ee");
    });
    add("aes256_cbc_decrypt", name, cbc_size, [impl, plain](benchmark::State& st) {
      e2ee_cbc_decrypt e(impl);
      measure(st, e, cbc_size, plain, "e2ee");
    });
  }
#if defined(E2EE_BENCH_OPENSSL)
  add("aes256_cbc_encrypt", "openssl", cbc_size, [cipher](benchmark::State& st) {
    openssl_cbc e(true);
    measure(st, e, cbc_size, cipher, "openssl");
  });
  add("aes256_cbc_decrypt", "openssl", cbc_size, [plain](benchmark::State& st) {
    openssl_cbc e(false);
    measure(st, e, cbc_size, plain, "openssl");
  });
#endif
}

void register_aes() {
  register_gcm();
  register_cbc();
}

const registrar aes_registrar(&register_aes, 20);

}  // namespace
}  // namespace e2ee_bench
