// tests/ct/ct_curve25519.cpp — the constant-time check for X25519 and Ed25519
// key generation and signing, run under valgrind like ct_check.cpp:
//   valgrind --error-exitcode=1 --track-origins=yes ./ct_curve25519
// Poisoned (secret): the X25519 scalar AND the point (scalarmult, public_key,
// shared_secret: only shared_secret's nullopt verdict is made public, by the
// library's declassify, before anything branches on it), scalarmult and
// shared_secret on every X25519 kernel the CPU has; valgrind 3.19 executes
// MULX/ADCX/ADOX but its virtual CPUID hides ADX, so under valgrind the
// mulx_adx ladder (detail/x86/field25519_mulx.hpp) is also called directly,
// scalar and point poisoned, whatever supported() says; the Ed25519 seed in
// key_pair::from_seed and, through the key pair derived from it, in sign,
// with the message poisoned too (both run the fixed-base comb: masked
// selection from the constexpr table), and the comb directly on extreme
// scalars; and the MULX/ADX Edwards kernel (comb, encode, Montgomery u)
// called directly, so that it runs under valgrind too (check_edwards_mulx).
// Outputs are unpoisoned when they become
// public and only then compared with values computed before poisoning.
// Ed25519 verify is variable time by design (all inputs public): not checked.
// valgrind runs this about 50 times slower than native, so it does a few
// operations only. Without valgrind it is a plain consistency check.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <e2ee/core/ct.hpp>

#include "ct_common.hpp"
#include <e2ee/detail/x86/edwards25519_mulx.hpp>
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/x25519.hpp>

namespace {

using namespace ctcheck;

using key = e2ee::x25519::key;
namespace ct = e2ee::ct;
namespace x25519 = e2ee::x25519;
namespace ed25519 = e2ee::ed25519;

// ---------------------------------------------------------------- X25519
void check_x25519(e2ee::x25519_impl impl) {
  // Two parties; b's public key also with bit 255 set (ignored by X25519).
  // The non-canonical encoding u = p (of 0) is among the small-order points.
  const key a = pattern<32>(1);
  const key b = pattern<32>(2);
  const key pub_a_want = x25519::public_key(a);
  const key pub_b_want = x25519::public_key(b);
  const key ab_want = x25519::scalarmult(a, pub_b_want);
  key pub_b_high = pub_b_want;
  pub_b_high[31] = static_cast<std::uint8_t>(pub_b_high[31] | 0x80u);  // bit 255 is ignored

  {  // public_key: secret scalar poisoned.
    key s = a;
    poison(s);
    key p = x25519::public_key(s);
    unpoison(s);
    publish(p);
    expect(p == pub_a_want, "x25519 public_key");
  }
  {  // scalarmult: scalar and point poisoned.
    key s = a, u = pub_b_want, u_high = pub_b_high;
    poison(s);
    poison(u);
    poison(u_high);
    key r1 = x25519::scalarmult(impl, s, u);
    key r2 = x25519::scalarmult(impl, s, u_high);
    unpoison(s);
    unpoison(u);
    unpoison(u_high);
    publish(r1);
    publish(r2);
    expect(r1 == ab_want, "x25519 scalarmult");
    expect(r2 == ab_want, "x25519 scalarmult ignores bit 255 of u");
  }
  {  // shared_secret: scalar and point poisoned; both sides agree.
    key sa = a, sb = b, pa = pub_a_want, pb = pub_b_want;
    poison(sa);
    poison(sb);
    poison(pa);
    poison(pb);
    std::optional<key> k_ab = x25519::shared_secret(impl, sa, pb);
    std::optional<key> k_ba = x25519::shared_secret(impl, sb, pa);
    unpoison(sa);
    unpoison(sb);
    unpoison(pa);
    unpoison(pb);
    // The verdict (has_value) was made public by the library; the key is not.
    expect(k_ab.has_value() && k_ba.has_value(), "x25519 shared_secret verdict");
    if (k_ab && k_ba) {
      publish(*k_ab);
      publish(*k_ba);
      expect(*k_ab == ab_want && *k_ba == ab_want, "x25519 shared_secret value");
    }
  }
  {  // shared_secret with small-order points: nullopt, decided in constant time.
    key zero{};                // u = 0
    key one{1};                // u = 1 (order 4)
    key p_enc{};               // u = p, the non-canonical encoding of 0
    p_enc.fill(0xff);
    p_enc[0] = 0xed;
    p_enc[31] = 0x7f;
    for (const key& bad : {zero, one, p_enc}) {
      key s = a, u = bad;
      poison(s);
      poison(u);
      std::optional<key> r = x25519::shared_secret(impl, s, u);
      unpoison(s);
      unpoison(u);
      expect(!r.has_value(), "x25519 shared_secret rejects a small-order point");
    }
  }
}

// check_x25519_mulx_direct: the MULX/ADX ladder itself, for when supported()
// is false only because valgrind's CPUID hides ADX (the host has it).
void check_x25519_mulx_direct() {
#if E2EE_HAVE_X86_KERNELS && defined(E2EE_CT_VALGRIND)
  if (!RUNNING_ON_VALGRIND || !e2ee::cpu::detect().bmi2) {
    std::printf("ct_curve25519: mulx_adx direct check skipped (not under valgrind)\n");
    return;
  }
  std::printf("ct_curve25519: x25519 kernel mulx_adx (called directly under valgrind)\n");
  namespace m = e2ee::detail::f25519_mulx;
  const key a = pattern<32>(7);
  key p_enc{};  // u = p, the non-canonical encoding of 0; and p + 1 with bit 255 set
  p_enc.fill(0xff);
  p_enc[0] = 0xed;
  p_enc[31] = 0x7f;
  key p1_high = p_enc;
  p1_high[0] = 0xee;
  p1_high[31] = 0xff;
  for (const key& u0 : {x25519::public_key(pattern<32>(8)), key{}, key{1}, p_enc, p1_high}) {
    const key want = x25519::scalarmult(e2ee::x25519_impl::portable, a, u0);
    key k = x25519::detail::clamp(a), u = u0;
    poison(k);
    poison(u);
    key r = m::scalarmult(k, u);
    unpoison(k);
    unpoison(u);
    publish(r);
    expect(r == want, "x25519 mulx_adx ladder (direct)");
  }
#endif
}

// ---------------------------------------------------------------- Ed25519
void check_ed25519() {
  const std::array<std::uint8_t, 32> seed0 = pattern<32>(3);
  const std::array<std::uint8_t, 64> msg0 = pattern<64>(4);
  const auto kp_want = ed25519::key_pair::from_seed(seed0);
  const ed25519::signature sig_empty_want = ed25519::sign(kp_want, {});
  const ed25519::signature sig_want = ed25519::sign(kp_want, msg0);
  expect(ed25519::verify(sig_want, kp_want.public_key, msg0), "ed25519 reference signature verifies");

  std::array<std::uint8_t, 32> seed = seed0;
  std::array<std::uint8_t, 64> msg = msg0;
  poison(seed);
  const auto kp = ed25519::key_pair::from_seed(seed);  // its secret parts stay poisoned
  unpoison(seed);
  ed25519::public_key_bytes pk = kp.public_key;
  publish(pk);
  expect(pk == kp_want.public_key, "ed25519 key_pair::from_seed public key");

  poison(msg);
  ed25519::signature sig = ed25519::sign(kp, msg);
  ed25519::signature sig_empty = ed25519::sign(kp, {});
  unpoison(msg);
  publish(sig);
  publish(sig_empty);
  expect(sig == sig_want, "ed25519 sign, 64-byte message");
  expect(sig_empty == sig_empty_want, "ed25519 sign, empty message");

  // The comb itself (detail::ed25519::scalarmult_base) on scalars whose
  // signed radix-16 digits hit every case of the masked selection: 0, all
  // digits +8 / -8 (0x88.. and 0x77.. patterns), L - 1 and 2^255 - 1.
  namespace ge = e2ee::detail::ed25519;
  std::array<std::array<std::uint8_t, 32>, 5> scalars{};
  scalars[1].fill(0x88);
  scalars[1][31] = 0x08;
  scalars[2].fill(0x77);
  scalars[3] = {0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  scalars[4].fill(0xff);
  scalars[4][31] = 0x7f;
  for (const auto& a : scalars) {
    const auto want = ge::encode(ge::scalarmult(ge::make_window_table(ge::base_point), a));
    std::array<std::uint8_t, 32> s = a;
    poison(s);
    ge::p3 p = ge::scalarmult_base(s);
    unpoison(s);
    publish(p);  // the point is public from here on (encode branches on nothing secret anyway)
    expect(ge::encode(p) == want, "ed25519 comb scalarmult_base");
  }
}


// check_edwards_mulx: the MULX/ADX Edwards kernel (detail/x86/edwards25519_mulx.hpp)
// that Ed25519 key generation and signing, XEdDSA signing and
// x25519::public_key run when the CPU has BMI2/ADX: the comb with the scalar
// poisoned, then encode (Ed25519 public key and R) and the Montgomery u
// (X25519 public key) of the still-secret point. Called directly, so it also
// runs under valgrind, whose CPUID hides ADX (the public functions then take
// the portable path, checked by check_ed25519). That is exactly what
// detail::ed25519::scalarmult_base_encoded / _montgomery_u do on this kernel.
void check_edwards_mulx() {
#if E2EE_HAVE_X86_KERNELS
  bool run = e2ee::supported(e2ee::x25519_impl::mulx_adx);
#if defined(E2EE_CT_VALGRIND)
  run = run || (RUNNING_ON_VALGRIND && e2ee::cpu::detect().bmi2);
#endif
  if (!run) {
    std::printf("ct_curve25519: Edwards mulx_adx kernel skipped (no BMI2/ADX)\n");
    return;
  }
  std::printf("ct_curve25519: Edwards comb, encode, Montgomery u on mulx_adx (called directly)\n");
  namespace ge = e2ee::detail::ed25519;
  namespace gm = e2ee::detail::ed25519_mulx;
  std::array<std::array<std::uint8_t, 32>, 6> scalars{};
  scalars[1].fill(0x88);
  scalars[1][31] = 0x08;
  scalars[2].fill(0x77);
  scalars[3] = {0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  scalars[4].fill(0xff);
  scalars[4][31] = 0x7f;
  scalars[5] = x25519::detail::clamp(pattern<32>(9));
  // both comb selections: scalar, and AVX2 (select_avx2, madd_to_p3's exchange)
  // when the CPU has it (valgrind's CPUID shows AVX2)
  for (const bool avx2 : {false, true}) {
    if (avx2 && !e2ee::cpu::detect().avx2) {
      std::printf("ct_curve25519: Edwards comb with AVX2 selection skipped (no AVX2)\n");
      continue;
    }
    if (avx2) std::printf("ct_curve25519: Edwards comb with AVX2 selection (called directly)\n");
    for (const auto& a : scalars) {
      const auto want = ge::encode(ge::scalarmult(ge::make_window_table(ge::base_point), a));
      const key want_u = x25519::scalarmult(e2ee::x25519_impl::portable, a, x25519::base_point);
      std::array<std::uint8_t, 32> s = a;
      poison(s);
      gm::p3 p = gm::scalarmult_base(s, avx2);
      std::array<std::uint8_t, 32> enc = gm::encode(p);
      key u = gm::montgomery_u(p);
      unpoison(s);
      publish(enc);
      publish(u);
      expect(enc == want, "ed25519 comb scalarmult_base + encode, mulx_adx");
      // u of a·B equals X25519(a, 9) for a clamped a (scalars[5]); for the
      // others X25519 clamps a first, so compare only where a is clamped.
      if (a == scalars[5]) expect(u == want_u, "x25519 public key through the mulx_adx comb");
    }
  }
#endif
}
}  // namespace

int main() {
  ctcheck::state().program = "ct_curve25519";
  for (const auto impl : e2ee::all_x25519_impls) {
    if (!e2ee::supported(impl)) {
      std::printf("ct_curve25519: x25519 kernel %s not supported here: skipped\n",
                  std::string(e2ee::to_string(impl)).c_str());
      continue;
    }
    std::printf("ct_curve25519: x25519 kernel %s\n", std::string(e2ee::to_string(impl)).c_str());
    check_x25519(impl);
  }
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) check_x25519_mulx_direct();
  // The default (best-kernel) entry point too.
  {
    const key a = pattern<32>(5), u = x25519::public_key(pattern<32>(6));
    const key want = x25519::scalarmult(e2ee::x25519_impl::portable, a, u);
    key s = a, p = u;
    poison(s);
    poison(p);
    key r = x25519::scalarmult(s, p);
    unpoison(s);
    unpoison(p);
    publish(r);
    expect(r == want, "x25519 scalarmult, default kernel");
  }
  check_ed25519();
  check_edwards_mulx();
  return report();
}
