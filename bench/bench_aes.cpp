// bench/bench_aes.cpp — AES-256-GCM and AES-256-CBC: every e2ee kernel against
// OpenSSL 3 and libsodium (PERF.md "AES-256-GCM encrypt + 16-byte tag, no AD").
//
//   aes256_gcm/<impl>/{16,64,256,1024,16384,1048576}          encrypt, key set once, 12-byte nonce, no AD
//   aes256_gcm_decrypt/<impl>/{16,64,256,1024,16384,1048576}  decrypt + tag check, same
//   aes256_gcm_new_key/<impl>/64                              key set up per message (ratchet case):
//                                                             e2ee: aes256_gcm::encrypt_once
//   aes256_gcm_new_key_object/<impl>/64                       the same through a key object:
//                                                             e2ee: aes256_gcm(key) + encrypt
//   aes_floor/{aesenc_xmm,vaesenc_ymm,vaesenc_ymm+vpclmulqdq}   the AES round throughput of this
//                                                             core (inline asm, no dependency chains)
//   aes256_cbc_encrypt/<impl>/16384                 PKCS#7, result = ciphertext
//   aes256_cbc_decrypt/<impl>/16384                 16384 bytes of plaintext inside
//   aes256_cbc_{encrypt,decrypt}_kept_key/<impl>/16384  the same on a key expanded once
//                                                   (aes256_cbc::encryptor / decryptor, restart(iv)
//                                                   + finish into a kept buffer), as OpenSSL's rows
//                                                   (impl vaes_avx2: VAESDEC on ymm for decryption)
//
// Results are ciphertext || tag (GCM) or the ciphertext / plaintext (CBC),
// checked against another implementation before and after the timed loop.
#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>
#include <e2ee/cipher/cbc.hpp>
#include <e2ee/core/cpu.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
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

// GCM, key used for one message: aes256_gcm::encrypt_once (nothing kept).
struct e2ee_gcm_once {
  e2ee_gcm_once(e2ee::aes_gcm_impl impl, std::size_t n)
      : impl_(impl), key_(bench_key()), nonce_(pattern(nonce_size, 8)), msg_(pattern(n)), out_(n + tag_size) {}
  bool operator()() noexcept {
    const std::uint8_t* k = key_.data();
    const std::uint8_t* m = msg_.data();
    keep(k);
    keep(m);
    const std::span<std::uint8_t> out(out_);
    const bool ok = e2ee::aes256_gcm::encrypt_once(std::span<const std::uint8_t, key_size>(k, key_size), nonce_, {},
                                                   cspan(m, msg_.size()), out.first(msg_.size()),
                                                   out.subspan(msg_.size()).first<tag_size>(), impl_);
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

// The same on a key expanded once (aes256_cbc::encryptor / decryptor): a new
// IV per message and a buffer allocated once, as the OpenSSL engine does
// (its context keeps the key; each message sets the IV).
template <bool Decrypt>
struct e2ee_cbc_kept_key {
  explicit e2ee_cbc_kept_key(e2ee::aes_impl impl)
      : iv_(bench_iv()),
        in_(Decrypt ? e2ee::aes256_cbc::encrypt(bench_key(), iv_, pattern(cbc_size), e2ee::aes_impl::portable)
                    : pattern(cbc_size)),
        out_(Decrypt ? in_.size() : e2ee::aes256_cbc::padded_size(in_.size())),
        c_(bench_key(), iv_, impl) {}
  bool operator()() noexcept {
    const std::uint8_t* p = in_.data();
    keep(p);
    c_.restart(iv_);
    bool ok = true;
    if constexpr (Decrypt) {
      const auto n = c_.finish(cspan(p, in_.size()), out_);
      ok = n.has_value();
      n_ = n.value_or(0);
    } else {
      ok = c_.finish(cspan(p, in_.size()), out_);
      n_ = out_.size();
    }
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return cspan(out_).first(n_); }

  std::array<std::uint8_t, 16> iv_;
  bytes in_, out_;
  std::conditional_t<Decrypt, e2ee::aes256_cbc::decryptor, e2ee::aes256_cbc::encryptor> c_;
  std::size_t n_ = 0;
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
  note_kernel("aes256_gcm_new_key_object", e2ee::to_string(e2ee::best_aes_gcm_impl()));
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
      e2ee_gcm_once e(impl, fresh);
      measure(st, e, fresh, reference_gcm(fresh), "e2ee");
    });
    add("aes256_gcm_new_key_object", "e2ee:" + std::string(e2ee::to_string(impl)), fresh,
        [impl](benchmark::State& st) {
          e2ee_gcm_new_key e(impl, fresh);
          measure(st, e, fresh, reference_gcm(fresh), "e2ee");
        });
  }
  for (const char* op : {"aes256_gcm_new_key", "aes256_gcm_new_key_object"}) {
    (void)op;  // unused without peers
#if defined(E2EE_BENCH_OPENSSL)
    add(op, "openssl", fresh, [](benchmark::State& st) {
      openssl_gcm e(fresh, true);
      measure(st, e, fresh, mine_gcm(fresh), "openssl");
    });
#endif
#if defined(E2EE_BENCH_SODIUM)
    add(op, "sodium", fresh, [](benchmark::State& st) {
      sodium_gcm e(fresh, true);
      measure(st, e, fresh, mine_gcm(fresh), "sodium");
    });
#endif
  }
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
    add("aes256_cbc_encrypt_kept_key", name, cbc_size, [impl, cipher](benchmark::State& st) {
      e2ee_cbc_kept_key<false> e(impl);
      measure(st, e, cbc_size, cipher, "e2ee");
    });
    add("aes256_cbc_decrypt_kept_key", name, cbc_size, [impl, plain](benchmark::State& st) {
      e2ee_cbc_kept_key<true> e(impl);
      measure(st, e, cbc_size, plain, "e2ee");
    });
  }
#if defined(E2EE_BENCH_OPENSSL)
  // OpenSSL's engine keeps its key, so both families run the same code.
  for (const char* op : {"aes256_cbc_encrypt", "aes256_cbc_encrypt_kept_key"}) {
    add(op, "openssl", cbc_size, [cipher](benchmark::State& st) {
      openssl_cbc e(true);
      measure(st, e, cbc_size, cipher, "openssl");
    });
  }
  for (const char* op : {"aes256_cbc_decrypt", "aes256_cbc_decrypt_kept_key"}) {
    add(op, "openssl", cbc_size, [plain](benchmark::State& st) {
      openssl_cbc e(false);
      measure(st, e, cbc_size, plain, "openssl");
    });
  }
#endif
}

// ---- The AES round throughput of this core (issue 3's hardware floor) -------------
//
// Each function is one asm statement that the compiler cannot remove or
// reorder: 16 repetitions of AES rounds on 14 independent registers (every
// round depends only on the same register's previous round, so with 14 chains
// in flight no round waits on the 4-cycle latency), with one round key
// register. 14 rounds = one AES-256 block per register and repetition, so the
// size in the name is the AES-256 work per call in bytes and the cpb counter
// is the cipher-only floor: aesenc_xmm 16 blocks (256 B), vaesenc_ymm 32
// blocks (512 B), vaesenc_ymm_clmul the mix of the VAES kernel's loop per 64
// bytes (28 VAESENC ymm + 6 VPCLMULQDQ ymm) 16 times (1024 B). The counter
// block_rounds_per_cycle is the AES round throughput (16-byte block-rounds).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define E2EE_BENCH_HAVE_AES_FLOOR 1
// One round on register i with the key in register 15, for register names
// "xmm" or "ymm"; a block of 14 (one AES-256 block per register); the
// carry-less multiply of the clmul mix (result discarded into register 14).
#define E2EE_FLOOR_ENC(reg, i) "vaesenc %%" reg "15, %%" reg #i ", %%" reg #i "\n"
#define E2EE_FLOOR_14(reg)                                                                                   \
  E2EE_FLOOR_ENC(reg, 0) E2EE_FLOOR_ENC(reg, 1) E2EE_FLOOR_ENC(reg, 2) E2EE_FLOOR_ENC(reg, 3)             \
  E2EE_FLOOR_ENC(reg, 4) E2EE_FLOOR_ENC(reg, 5) E2EE_FLOOR_ENC(reg, 6) E2EE_FLOOR_ENC(reg, 7)             \
  E2EE_FLOOR_ENC(reg, 8) E2EE_FLOOR_ENC(reg, 9) E2EE_FLOOR_ENC(reg, 10) E2EE_FLOOR_ENC(reg, 11)           \
  E2EE_FLOOR_ENC(reg, 12) E2EE_FLOOR_ENC(reg, 13)
#define E2EE_FLOOR_CLMUL(imm) "vpclmulqdq $" #imm ", %%ymm15, %%ymm15, %%ymm14\n"
// A probe: `body` 16 times, the key (32 bytes) in register 15.
#define E2EE_FLOOR_PROBE(name, body)                                                                     \
  [[gnu::noinline]] void name(const std::uint8_t* key) noexcept {                                        \
    __asm__ volatile("vmovdqu (%0), %%ymm15\n.rept 16\n" body ".endr\nvzeroupper\n"                      \
                     :                                                                                   \
                     : "r"(key)                                                                          \
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",   \
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");                  \
  }
E2EE_FLOOR_PROBE(aes_floor_xmm, E2EE_FLOOR_14("xmm"))
E2EE_FLOOR_PROBE(aes_floor_ymm, E2EE_FLOOR_14("ymm"))
// The VAES GCM kernel's mix per 64 bytes: 28 VAESENC ymm, 6 VPCLMULQDQ ymm.
#define E2EE_FLOOR_Y(i) E2EE_FLOOR_ENC("ymm", i)
// clang-format off
E2EE_FLOOR_PROBE(aes_floor_ymm_clmul,
                 E2EE_FLOOR_Y(0) E2EE_FLOOR_Y(1) E2EE_FLOOR_Y(2) E2EE_FLOOR_Y(3) E2EE_FLOOR_Y(4) E2EE_FLOOR_CLMUL(0x00)
                 E2EE_FLOOR_Y(5) E2EE_FLOOR_Y(6) E2EE_FLOOR_Y(7) E2EE_FLOOR_Y(8) E2EE_FLOOR_Y(9) E2EE_FLOOR_CLMUL(0x00)
                 E2EE_FLOOR_Y(10) E2EE_FLOOR_Y(11) E2EE_FLOOR_Y(12) E2EE_FLOOR_Y(13) E2EE_FLOOR_Y(0) E2EE_FLOOR_CLMUL(0x00)
                 E2EE_FLOOR_Y(1) E2EE_FLOOR_Y(2) E2EE_FLOOR_Y(3) E2EE_FLOOR_Y(4) E2EE_FLOOR_Y(5) E2EE_FLOOR_CLMUL(0x00)
                 E2EE_FLOOR_Y(6) E2EE_FLOOR_Y(7) E2EE_FLOOR_Y(8) E2EE_FLOOR_Y(9) E2EE_FLOOR_Y(10) E2EE_FLOOR_CLMUL(0x00)
                 E2EE_FLOOR_Y(11) E2EE_FLOOR_Y(12) E2EE_FLOOR_Y(13) E2EE_FLOOR_CLMUL(0x11))
// clang-format on
#undef E2EE_FLOOR_Y
#undef E2EE_FLOOR_PROBE
#undef E2EE_FLOOR_CLMUL
#undef E2EE_FLOOR_14
#undef E2EE_FLOOR_ENC

// floor_case: times fn (`work` bytes of AES-256 per call) and reports the
// AES round throughput besides the usual counters.
void floor_case(benchmark::State& st, void (*fn)(const std::uint8_t*) noexcept, std::size_t work) {
  const auto key = bench_key();
  const std::uint64_t t0 = thread_cpu_ns();
  for (auto _ : st) fn(key.data());
  const std::uint64_t dt = thread_cpu_ns() - t0;
  finish(st, dt, work);
  const double ghz = core_ghz();
  if (ghz > 0 && st.iterations() > 0) {
    const double cycles = static_cast<double>(dt) * ghz / static_cast<double>(st.iterations());
    st.counters["block_rounds_per_cycle"] = static_cast<double>(work / 16 * 14) / cycles;
  }
}

void register_aes_floor() {
  const auto& f = e2ee::cpu::features();
  if (!(f.avx && f.aesni)) return;
  add("aes_floor", "e2ee:aesenc_xmm", 256, [](benchmark::State& st) { floor_case(st, &aes_floor_xmm, 256); });
  if (!(f.avx2 && f.vaes && f.vpclmulqdq)) return;
  add("aes_floor", "e2ee:vaesenc_ymm", 512, [](benchmark::State& st) { floor_case(st, &aes_floor_ymm, 512); });
  add("aes_floor", "e2ee:vaesenc_ymm_clmul", 1024,
      [](benchmark::State& st) { floor_case(st, &aes_floor_ymm_clmul, 1024); });
}
#else
void register_aes_floor() {}
#endif

void register_aes() {
  register_gcm();
  register_cbc();
  register_aes_floor();
}

const registrar aes_registrar(&register_aes, 20);

}  // namespace
}  // namespace e2ee_bench
