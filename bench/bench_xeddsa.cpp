// bench/bench_xeddsa.cpp — XEdDSA as Signal does it (ec/xeddsa.hpp) against
// libsignal-protocol-c's curve25519_sign / curve25519_verify (optional peer,
// E2EE_BENCH_LIBSIGNAL_C; bench/peers.hpp).
//
//   xeddsa_sign/<impl>/64     signature of a 64-byte message, explicit 64 random bytes
//   xeddsa_sign_key/<impl>/64 the same through xeddsa::signing_key (the signer's A
//                             computed once, as a group sender keeps it); the
//                             libsignal row is its curve25519_sign (no such API)
//   xeddsa_verify/<impl>/64   verification of that signature
//   xeddsa_verify_prepared/<impl>/64  the same through xeddsa::verifying_key
//                             (the key converted once, as a group receiver
//                             keeps it per sender); the libsignal row is its
//                             curve25519_verify (no such API)
//
// Both sides get the same key, message and random bytes, so the signatures
// are compared byte for byte. libsignal-protocol-c allocates a working buffer
// (message + 128 bytes) per call; that is part of its cost as Signal uses it.
#include <e2ee/ec/x25519.hpp>
#include <e2ee/ec/xeddsa.hpp>

#include <array>
#include <vector>

#include "bench_common.hpp"
#include "peers.hpp"

namespace e2ee_bench {
namespace {

using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;
using key32 = std::array<std::uint8_t, 32>;
using rand64 = std::array<std::uint8_t, 64>;

constexpr std::size_t msg_size = 64;

template <std::size_t N>
std::array<std::uint8_t, N> fixed_pattern(std::uint8_t seed) {
  const bytes b = pattern(N, seed);
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = b[i];
  return a;
}
// A Signal-style (clamped) secret key.
key32 signing_key() {
  key32 k = fixed_pattern<32>(21);
  k[0] = static_cast<std::uint8_t>(k[0] & 248u);
  k[31] = static_cast<std::uint8_t>((k[31] & 127u) | 64u);
  return k;
}

struct e2ee_xeddsa_sign {
  e2ee_xeddsa_sign() : sk_(signing_key()), z_(fixed_pattern<64>(22)), msg_(pattern(msg_size, 23)) {}
  bool operator()() noexcept {
    const std::uint8_t* s = sk_.data();
    const std::uint8_t* m = msg_.data();
    keep(s);
    keep(m);
    out_ = e2ee::xeddsa::sign(std::span<const std::uint8_t, 32>(s, 32), cspan(m, msg_.size()), z_);
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_;
  rand64 z_;
  bytes msg_;
  e2ee::xeddsa::signature out_{};
};

struct e2ee_xeddsa_sign_key {
  e2ee_xeddsa_sign_key() : sk_(signing_key()), z_(fixed_pattern<64>(22)), msg_(pattern(msg_size, 23)) {}
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_ = sk_.sign(cspan(m, msg_.size()), z_);
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  e2ee::xeddsa::signing_key sk_;
  rand64 z_;
  bytes msg_;
  e2ee::xeddsa::signature out_{};
};

struct e2ee_xeddsa_verify {
  e2ee_xeddsa_verify() : msg_(pattern(msg_size, 23)) {
    pk_ = e2ee::x25519::public_key(signing_key());
    sig_ = e2ee::xeddsa::sign(signing_key(), msg_, fixed_pattern<64>(22));
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_[0] = e2ee::xeddsa::verify(pk_, cspan(m, msg_.size()), sig_) ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 pk_{};
  e2ee::xeddsa::signature sig_{};
  bytes msg_;
  std::array<std::uint8_t, 1> out_{};
};

struct e2ee_xeddsa_verify_prepared {
  e2ee_xeddsa_verify_prepared()
      : vk_(*e2ee::xeddsa::verifying_key::from_x25519(e2ee::x25519::public_key(signing_key()))),
        msg_(pattern(msg_size, 23)) {
    sig_ = e2ee::xeddsa::sign(signing_key(), msg_, fixed_pattern<64>(22));
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_[0] = vk_.verify(cspan(m, msg_.size()), sig_) ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  e2ee::xeddsa::verifying_key vk_;
  e2ee::xeddsa::signature sig_{};
  bytes msg_;
  std::array<std::uint8_t, 1> out_{};
};

#if defined(E2EE_BENCH_LIBSIGNAL_C)
struct libsignal_xeddsa_sign {
  libsignal_xeddsa_sign() : sk_(signing_key()), z_(fixed_pattern<64>(22)), msg_(pattern(msg_size, 23)) {}
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    const bool ok = libsignal_c::curve25519_sign(out_.data(), sk_.data(), m, msg_.size(), z_.data()) == 0;
    keep(out_);
    return ok;
  }
  cspan result() const noexcept { return out_; }
  key32 sk_;
  rand64 z_;
  bytes msg_;
  std::array<std::uint8_t, 64> out_{};
};

struct libsignal_xeddsa_verify {
  libsignal_xeddsa_verify() : msg_(pattern(msg_size, 23)) {
    pk_ = e2ee::x25519::public_key(signing_key());
    sig_ = e2ee::xeddsa::sign(signing_key(), msg_, fixed_pattern<64>(22));
  }
  bool operator()() noexcept {
    const std::uint8_t* m = msg_.data();
    keep(m);
    out_[0] = libsignal_c::curve25519_verify(sig_.data(), pk_.data(), m, msg_.size()) == 0 ? 1 : 0;
    keep(out_);
    return true;
  }
  cspan result() const noexcept { return out_; }
  key32 pk_{};
  e2ee::xeddsa::signature sig_{};
  bytes msg_;
  std::array<std::uint8_t, 1> out_{};
};
#endif

// e2ee rows are checked against libsignal when present (else themselves);
// libsignal rows against e2ee.
template <class Mine, class Peer>
void register_op(std::string_view op) {
  note_kernel(op, e2ee::to_string(e2ee::best_x25519_impl()));
  // One e2ee row per Curve25519 field kernel (forced by E2EE_CPU_DISABLE).
  for (const auto impl : e2ee::all_x25519_impls) {
    if (!e2ee::supported(impl)) continue;
    const char* disable = impl == e2ee::x25519_impl::portable ? "bmi2,adx" : nullptr;
    add(op, "e2ee:" + std::string(e2ee::to_string(impl)), msg_size, [impl, disable](benchmark::State& st) {
      const scoped_cpu_disable force(disable);
      if (e2ee::best_x25519_impl() != impl) {
        st.SkipWithError("could not force the kernel");
        return;
      }
      Mine e;
#if defined(E2EE_BENCH_LIBSIGNAL_C)
      measure(st, e, msg_size, answer(Peer()), "e2ee");
#else
      const auto want = [] {
        const scoped_cpu_disable portable("all");
        return answer(Mine());
      }();
      measure(st, e, msg_size, want, "e2ee");
#endif
    });
  }
#if defined(E2EE_BENCH_LIBSIGNAL_C)
  add(op, "libsignal", msg_size, [](benchmark::State& st) {
    Peer e;
    measure(st, e, msg_size, answer(Mine()), "libsignal");
  });
#endif
}

#if defined(E2EE_BENCH_LIBSIGNAL_C)
using l_sign = libsignal_xeddsa_sign;
using l_verify = libsignal_xeddsa_verify;
#else
using l_sign = void;
using l_verify = void;
#endif

void register_xeddsa() {
  register_op<e2ee_xeddsa_sign, l_sign>("xeddsa_sign");
  register_op<e2ee_xeddsa_sign_key, l_sign>("xeddsa_sign_key");
  register_op<e2ee_xeddsa_verify, l_verify>("xeddsa_verify");
  register_op<e2ee_xeddsa_verify_prepared, l_verify>("xeddsa_verify_prepared");
}

const registrar reg_xeddsa(&register_xeddsa, 45);

}  // namespace
}  // namespace e2ee_bench
