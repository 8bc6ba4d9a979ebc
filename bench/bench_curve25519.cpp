// bench/bench_curve25519.cpp — X25519 and Ed25519 against libsodium and OpenSSL 3
// (PERF.md "Curve25519").
//
//   x25519_shared/<impl>          shared secret from a 32-byte secret and a peer key,
//                                 one row per X25519 kernel (e2ee:portable, e2ee:mulx_adx)
//   x25519_public_key/<impl>      public key from a 32-byte secret (fixed base)
//   ed25519_keypair/<impl>        key pair from a 32-byte seed
//   ed25519_sign/<impl>/64        signature of a 64-byte message
//   ed25519_verify/<impl>/64      verification of that signature
//   ed25519_verify_batch64/<impl>/64  64 signatures of 64-byte messages (64 keys) in one
//                                 verify_batch call; divide by 64 for the cost per
//                                 signature (sodium: 64 single verifies, no batch API)
//
// Every e2ee row exists once per Curve25519 field kernel (e2ee:portable,
// e2ee:mulx_adx): the ladder and the Edwards operations (comb, verify, batch)
// both run on it. Peers are used as PERF.md's best use: OpenSSL keys parsed and contexts prepared outside the
// loop where the API allows it.
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/x25519.hpp>

#include <array>
#include <memory>
#include <vector>

#include "bench_common.hpp"
#include "peers.hpp"

namespace e2ee_bench {
namespace {

using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;
using key32 = std::array<std::uint8_t, 32>;

constexpr std::size_t msg_size = 64;

key32 key_pattern(std::uint8_t seed) {
  const bytes b = pattern(32, seed);
  key32 k{};
  for (std::size_t i = 0; i < 32; ++i) k[i] = b[i];
  return k;
}
const key32& secret_a() {
  static const key32 k = key_pattern(11);
  return k;
}
const key32& secret_b() {
  static const key32 k = key_pattern(12);
  return k;
}
const key32& ed_seed() {
  static const key32 k = key_pattern(13);
  return k;
}

// ---- engines: e2ee -------------------------------------------------------------

struct e2ee_x25519_shared {
  explicit e2ee_x25519_shared(e2ee::x25519_impl impl = e2ee::best_x25519_impl())
      : impl_(impl), sk_(secret_a()), pk_(e2ee::x25519::public_key(secret_b())) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    keep(s);
    const auto r = e2ee::x25519::shared_secret(impl_, std::span<const std::uint8_t, 32>(s, 32), pk_);
    if (r) out_ = *r;
    keep(out_);
    return r.has_value();
  }
  cspan result() const noexcept { return out_; }
  e2ee::x25519_impl impl_;
  key32 sk_, pk_, out_{};
};

struct e2ee_x25519_public {
  e2ee_x25519_public() : sk_(secret_a()) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    keep(s);
    out_ = e2ee::x25519::public_key(std::span<const std::uint8_t, 32>(s, 32));
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_, out_{};
};

struct e2ee_ed25519_keypair {
  e2ee_ed25519_keypair() : seed_(ed_seed()) {}
  bool operator()() noexcept {
    const std::uint8_t* s = seed_.data();
    keep(s);
    const auto kp = e2ee::ed25519::key_pair::from_seed(std::span<const std::uint8_t, 32>(s, 32));
    out_ = kp.public_key;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 seed_, out_{};
};

struct e2ee_ed25519_sign {
  e2ee_ed25519_sign() : kp_(e2ee::ed25519::key_pair::from_seed(ed_seed())), msg_(pattern(msg_size, 14)) {}
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_ = e2ee::ed25519::sign(kp_, cspan(m, msg_.size()));
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  e2ee::ed25519::key_pair kp_;
  bytes msg_;
  e2ee::ed25519::signature out_{};
};

struct e2ee_ed25519_verify {
  e2ee_ed25519_verify() : msg_(pattern(msg_size, 14)) {
    const auto kp = e2ee::ed25519::key_pair::from_seed(ed_seed());
    pk_ = kp.public_key;
    sig_ = e2ee::ed25519::sign(kp, msg_);
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_[0] = e2ee::ed25519::verify(sig_, pk_, cspan(m, msg_.size())) ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 pk_{};
  e2ee::ed25519::signature sig_{};
  bytes msg_;
  std::array<std::uint8_t, 1> out_{};
};

// batch_inputs: 64 key pairs (seeds 13+i), each signing its own 64-byte message.
struct batch_inputs {
  static constexpr std::size_t n = 64;
  batch_inputs() {
    for (std::size_t i = 0; i < n; ++i) {
      msgs[i] = pattern(msg_size, static_cast<std::uint8_t>(14 + i));
      const auto kp = e2ee::ed25519::key_pair::from_seed(key_pattern(static_cast<std::uint8_t>(13 + i)));
      pks[i] = kp.public_key;
      sigs[i] = e2ee::ed25519::sign(kp, msgs[i]);
    }
  }
  std::array<bytes, n> msgs;
  std::array<key32, n> pks{};
  std::array<e2ee::ed25519::signature, n> sigs{};
};

struct e2ee_ed25519_verify_batch {
  e2ee_ed25519_verify_batch() {
    for (std::size_t i = 0; i < batch_inputs::n; ++i) items_.push_back({in_.sigs[i], in_.pks[i], in_.msgs[i]});
  }
  e2ee_ed25519_verify_batch(const e2ee_ed25519_verify_batch&) = delete;  // items_ points into in_
  e2ee_ed25519_verify_batch& operator=(const e2ee_ed25519_verify_batch&) = delete;
  bool operator()() noexcept {
    const e2ee::ed25519::signed_message* p = items_.data();
    keep(p);
    out_[0] = e2ee::ed25519::verify_batch(std::span<const e2ee::ed25519::signed_message>(p, items_.size())) ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  batch_inputs in_;
  std::vector<e2ee::ed25519::signed_message> items_;  // built once, outside the timed loop
  std::array<std::uint8_t, 1> out_{};
};

// ---- engines: OpenSSL ----------------------------------------------------------

#if defined(E2EE_BENCH_OPENSSL)
struct pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using pkey = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

// EVP_PKEY_derive only: both keys imported and the context prepared once.
struct openssl_x25519_shared {
  openssl_x25519_shared()
      : priv_(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret_a().data(), 32)),
        peer_(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, e2ee::x25519::public_key(secret_b()).data(), 32)),
        ctx_(priv_ ? EVP_PKEY_CTX_new(priv_.get(), nullptr) : nullptr) {
    ready_ = ctx_ && peer_ && EVP_PKEY_derive_init(ctx_.get()) == 1 &&
             EVP_PKEY_derive_set_peer(ctx_.get(), peer_.get()) == 1;
  }
  bool operator()() noexcept {
    std::size_t len = out_.size();
    const bool ok = ready_ && EVP_PKEY_derive(ctx_.get(), out_.data(), &len) == 1 && len == 32;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  pkey priv_, peer_;
  pkey_ctx ctx_;
  bool ready_ = false;
  key32 out_{};
};

// No bare fixed-base API: raw private key import (computes the public key) + export.
template <int Type>
struct openssl_raw_public {
  explicit openssl_raw_public(const key32& sk) : sk_(sk) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    keep(s);
    pkey k(EVP_PKEY_new_raw_private_key(Type, nullptr, s, 32));
    std::size_t len = out_.size();
    const bool ok = k && EVP_PKEY_get_raw_public_key(k.get(), out_.data(), &len) == 1 && len == 32;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_, out_{};
};

// DigestSignInit + DigestSign per message (PERF.md), key imported once.
struct openssl_ed25519_sign {
  openssl_ed25519_sign()
      : key_(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, ed_seed().data(), 32)),
        ctx_(EVP_MD_CTX_new()),
        msg_(pattern(msg_size, 14)) {}
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    std::size_t len = out_.size();
    const bool ok = key_ && ctx_ && EVP_DigestSignInit(ctx_.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
                    EVP_DigestSign(ctx_.get(), out_.data(), &len, m, msg_.size()) == 1 && len == 64;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  pkey key_;
  ossl::md_ctx ctx_;
  bytes msg_;
  std::array<std::uint8_t, 64> out_{};
};

struct openssl_ed25519_verify {
  openssl_ed25519_verify() : ctx_(EVP_MD_CTX_new()), msg_(pattern(msg_size, 14)) {
    const auto kp = e2ee::ed25519::key_pair::from_seed(ed_seed());
    key_.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, kp.public_key.data(), 32));
    sig_ = e2ee::ed25519::sign(kp, msg_);
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    const bool init = key_ && ctx_ && EVP_DigestVerifyInit(ctx_.get(), nullptr, nullptr, nullptr, key_.get()) == 1;
    out_[0] = init && EVP_DigestVerify(ctx_.get(), sig_.data(), sig_.size(), m, msg_.size()) == 1 ? 1 : 0;
    keep(out_);
    return init;
  }
  cspan result() const noexcept { return out_; }
  pkey key_;
  ossl::md_ctx ctx_;
  bytes msg_;
  e2ee::ed25519::signature sig_{};
  std::array<std::uint8_t, 1> out_{};
};
#endif

// ---- engines: libsodium --------------------------------------------------------

#if defined(E2EE_BENCH_SODIUM)
struct sodium_x25519_shared {
  sodium_x25519_shared() : sk_(secret_a()), pk_(e2ee::x25519::public_key(secret_b())) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    keep(s);
    const bool ok = crypto_scalarmult(out_.data(), s, pk_.data()) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_, pk_, out_{};
};

struct sodium_x25519_public {
  sodium_x25519_public() : sk_(secret_a()) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    keep(s);
    const bool ok = crypto_scalarmult_base(out_.data(), s) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_, out_{};
};

struct sodium_ed25519_keypair {
  sodium_ed25519_keypair() : seed_(ed_seed()) {}
  bool operator()() noexcept {
    const std::uint8_t* s = seed_.data();
    keep(s);
    const bool ok = crypto_sign_seed_keypair(out_.data(), sk_.data(), s) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  key32 seed_, out_{};
  std::array<std::uint8_t, 64> sk_{};
};

struct sodium_ed25519_sign {
  sodium_ed25519_sign() : msg_(pattern(msg_size, 14)) {
    key32 pk{};
    (void)crypto_sign_seed_keypair(pk.data(), sk_.data(), ed_seed().data());
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    const bool ok = crypto_sign_detached(out_.data(), nullptr, m, msg_.size(), sk_.data()) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  std::array<std::uint8_t, 64> sk_{};
  bytes msg_;
  std::array<std::uint8_t, 64> out_{};
};

struct sodium_ed25519_verify {
  sodium_ed25519_verify() : msg_(pattern(msg_size, 14)) {
    const auto kp = e2ee::ed25519::key_pair::from_seed(ed_seed());
    pk_ = kp.public_key;
    sig_ = e2ee::ed25519::sign(kp, msg_);
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_[0] = crypto_sign_verify_detached(sig_.data(), m, msg_.size(), pk_.data()) == 0 ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 pk_{};
  e2ee::ed25519::signature sig_{};
  bytes msg_;
  std::array<std::uint8_t, 1> out_{};
};

// libsodium has no batch API: 64 single verifies, the same inputs.
struct sodium_ed25519_verify_batch {
  bool operator()() noexcept {
    const batch_inputs* in = &in_;
    keep(in);
    bool all = true;
    for (std::size_t i = 0; i < batch_inputs::n; ++i)
      all = crypto_sign_verify_detached(in->sigs[i].data(), in->msgs[i].data(), in->msgs[i].size(),
                                        in->pks[i].data()) == 0 && all;
    out_[0] = all ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  batch_inputs in_;
  std::array<std::uint8_t, 1> out_{};
};
#endif

// ---- registration ----------------------------------------------------------------
// e2ee rows are checked against libsodium when present (else OpenSSL, else
// themselves); peer rows against e2ee.

template <class Mine, class Sodium, class OpenSSL>
void register_op(std::string_view op, std::size_t size, std::string_view openssl_impl,
                 [[maybe_unused]] OpenSSL (*make_openssl)()) {
  note_kernel(op, e2ee::to_string(e2ee::best_x25519_impl()));
  const auto mine = [] {
    const scoped_cpu_disable portable("all");
    return answer(Mine());
  };
  // One e2ee row per field kernel, forced through E2EE_CPU_DISABLE (the
  // Edwards operations dispatch on cpu::features() like the ladder).
  for (const auto impl : e2ee::all_x25519_impls) {
    if (!e2ee::supported(impl)) continue;
    const char* disable = impl == e2ee::x25519_impl::portable ? "bmi2,adx" : nullptr;
    add(op, "e2ee:" + std::string(e2ee::to_string(impl)), size, [size, mine, impl, disable](benchmark::State& st) {
      const scoped_cpu_disable force(disable);
      if (e2ee::best_x25519_impl() != impl) {
        st.SkipWithError("could not force the kernel");
        return;
      }
      Mine e;
#if defined(E2EE_BENCH_SODIUM)
      if constexpr (!std::is_void_v<Sodium>) {
        measure(st, e, size, answer(Sodium()), "e2ee");
        return;
      }
#endif
      measure(st, e, size, mine(), "e2ee");
    });
  }
#if defined(E2EE_BENCH_OPENSSL)
  if constexpr (!std::is_void_v<OpenSSL>) {
    add(op, openssl_impl, size, [size, mine, make_openssl](benchmark::State& st) {
      OpenSSL e = make_openssl();
      measure(st, e, size, mine(), "openssl");
    });
  }
#else
  (void)openssl_impl;
#endif
#if defined(E2EE_BENCH_SODIUM)
  if constexpr (!std::is_void_v<Sodium>) {
    add(op, "sodium", size, [size, mine](benchmark::State& st) {
      Sodium e;
      measure(st, e, size, mine(), "sodium");
    });
  }
#endif
}

#if defined(E2EE_BENCH_SODIUM)
using s_public = sodium_x25519_public;
using s_keypair = sodium_ed25519_keypair;
using s_sign = sodium_ed25519_sign;
using s_verify = sodium_ed25519_verify;
using s_verify_batch = sodium_ed25519_verify_batch;
#else
using s_public = void;
using s_keypair = void;
using s_sign = void;
using s_verify = void;
using s_verify_batch = void;
#endif

#if defined(E2EE_BENCH_OPENSSL)
openssl_raw_public<EVP_PKEY_X25519> make_o_public() { return openssl_raw_public<EVP_PKEY_X25519>(secret_a()); }
openssl_raw_public<EVP_PKEY_ED25519> make_o_keypair() { return openssl_raw_public<EVP_PKEY_ED25519>(ed_seed()); }
openssl_ed25519_sign make_o_sign() { return {}; }
openssl_ed25519_verify make_o_verify() { return {}; }
#define E2EE_O(f) &f
using o_public = openssl_raw_public<EVP_PKEY_X25519>;
using o_keypair = openssl_raw_public<EVP_PKEY_ED25519>;
using o_sign = openssl_ed25519_sign;
using o_verify = openssl_ed25519_verify;
#else
#define E2EE_O(f) nullptr
using o_public = void;
using o_keypair = void;
using o_sign = void;
using o_verify = void;
#endif

// x25519_shared: one e2ee row per kernel (forced through the impl overload),
// then the peers; each checked against libsodium (else OpenSSL, else portable).
void register_x25519_shared() {
  constexpr std::string_view op = "x25519_shared";
  note_kernel(op, e2ee::to_string(e2ee::best_x25519_impl()));
  const auto reference = [] {
#if defined(E2EE_BENCH_SODIUM)
    return answer(sodium_x25519_shared());
#elif defined(E2EE_BENCH_OPENSSL)
    return answer(openssl_x25519_shared());
#else
    return answer(e2ee_x25519_shared(e2ee::x25519_impl::portable));
#endif
  };
  for (const auto impl : e2ee::all_x25519_impls) {
    if (!e2ee::supported(impl)) continue;
    add(op, "e2ee:" + std::string(e2ee::to_string(impl)), 0, [impl, reference](benchmark::State& st) {
      e2ee_x25519_shared e(impl);
      measure(st, e, 0, reference(), "e2ee");
    });
  }
  const auto mine = [] { return answer(e2ee_x25519_shared(e2ee::x25519_impl::portable)); };
#if defined(E2EE_BENCH_OPENSSL)
  add(op, "openssl", 0, [mine](benchmark::State& st) {
    openssl_x25519_shared e;
    measure(st, e, 0, mine(), "openssl");
  });
#endif
#if defined(E2EE_BENCH_SODIUM)
  add(op, "sodium", 0, [mine](benchmark::State& st) {
    sodium_x25519_shared e;
    measure(st, e, 0, mine(), "sodium");
  });
#endif
  (void)mine;
}

void register_x25519() {
  register_x25519_shared();
  register_op<e2ee_x25519_public, s_public, o_public>("x25519_public_key", 0, "openssl:raw_import",
                                                      E2EE_O(make_o_public));
}

void register_ed25519() {
  register_op<e2ee_ed25519_keypair, s_keypair, o_keypair>("ed25519_keypair", 0, "openssl:raw_import",
                                                          E2EE_O(make_o_keypair));
  register_op<e2ee_ed25519_sign, s_sign, o_sign>("ed25519_sign", msg_size, "openssl", E2EE_O(make_o_sign));
  register_op<e2ee_ed25519_verify, s_verify, o_verify>("ed25519_verify", msg_size, "openssl",
                                                       E2EE_O(make_o_verify));
  register_op<e2ee_ed25519_verify_batch, s_verify_batch, void>("ed25519_verify_batch64", msg_size, "openssl",
                                                                 static_cast<void (*)()>(nullptr));
}

const registrar reg_x25519(&register_x25519, 30);
const registrar reg_ed25519(&register_ed25519, 40);

}  // namespace
}  // namespace e2ee_bench
