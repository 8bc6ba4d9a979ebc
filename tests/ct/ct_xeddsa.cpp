// tests/ct/ct_xeddsa.cpp — the constant-time check for XEdDSA signing (and
// the Ed25519-seed to X25519-secret conversion), run under valgrind like
// ct_check.cpp:
//   valgrind --error-exitcode=1 --track-origins=yes ./ct_xeddsa
// Poisoned (secret): the X25519 secret key and the 64 random bytes, in both
// sign overloads (explicit bytes, and a random_source whose output is
// poisoned as it is produced) and in xeddsa::signing_key, with the message
// poisoned too; the Ed25519 seed in x25519::from_ed25519_seed. Signatures
// are unpoisoned when they become public and only then compared with values
// computed before poisoning. verify and the public-key conversions are
// variable time by design (all inputs public): not checked.
// The MULX/ADX Edwards kernel's fixed-base step is also called directly, so
// that it runs under valgrind (whose CPUID hides ADX): check_sign_mulx.
// Without valgrind it is a plain consistency check.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include <e2ee/core/ct.hpp>

#include "ct_common.hpp"
#include <e2ee/detail/x86/edwards25519_mulx.hpp>
#include <e2ee/ec/conversions.hpp>
#include <e2ee/ec/x25519.hpp>
#include <e2ee/ec/xeddsa.hpp>

namespace {

using namespace ctcheck;

namespace xeddsa = e2ee::xeddsa;
namespace x25519 = e2ee::x25519;

// poisoning_source: a random_source that hands out a fixed pattern, poisoned
// (the bytes a real CSPRNG gives are secret).
struct poisoning_source {
  std::uint32_t seed;
  bool fill(std::span<std::uint8_t> out) {
    fill_pattern(out, seed);
    e2ee::ct::poison(out.data(), out.size());
    return true;
  }
};

void check_sign() {
  const std::array<std::uint8_t, 32> k0 = pattern<32>(21);
  const std::array<std::uint8_t, 64> z0 = pattern<64>(22);
  const std::array<std::uint8_t, 33> msg0 = pattern<33>(23);
  const auto pub = x25519::public_key(k0);
  const xeddsa::signature want = xeddsa::sign(k0, msg0, z0);
  const xeddsa::signature want_empty = xeddsa::sign(k0, {}, z0);
  std::array<std::uint8_t, 64> z_src{};
  fill_pattern(z_src, 24);
  const xeddsa::signature want_src = xeddsa::sign(k0, msg0, z_src);
  expect(xeddsa::verify(pub, msg0, want), "xeddsa reference signature verifies");

  {  // key, random and message poisoned.
    std::array<std::uint8_t, 32> k = k0;
    std::array<std::uint8_t, 64> z = z0;
    std::array<std::uint8_t, 33> msg = msg0;
    poison(k);
    poison(z);
    poison(msg);
    xeddsa::signature sig = xeddsa::sign(k, msg, z);
    xeddsa::signature sig_empty = xeddsa::sign(k, {}, z);
    unpoison(k);
    unpoison(z);
    unpoison(msg);
    publish(sig);
    publish(sig_empty);
    expect(sig == want, "xeddsa sign, 33-byte message");
    expect(sig_empty == want_empty, "xeddsa sign, empty message");
  }
  {  // an unclamped key (clamping is bit masking, no branch).
    std::array<std::uint8_t, 32> k = k0;
    k[0] = static_cast<std::uint8_t>(k[0] | 7u);
    k[31] = static_cast<std::uint8_t>(k[31] | 0x80u);
    poison(k);
    xeddsa::signature sig = xeddsa::sign(k, msg0, z0);
    unpoison(k);
    publish(sig);
    expect(sig == want, "xeddsa sign clamps the key");
  }
  {  // random_source overload: the source's bytes are poisoned as produced.
    std::array<std::uint8_t, 32> k = k0;
    poison(k);
    poisoning_source src{24};
    auto sig = xeddsa::sign(k, msg0, src);
    unpoison(k);
    // The verdict (source ok) is public; the signature becomes public here.
    expect(sig.has_value(), "xeddsa sign with a random_source");
    if (sig) {
      publish(*sig);
      expect(*sig == want_src, "xeddsa sign with a random_source, value");
    }
  }
  {  // signing_key (A precomputed): key poisoned when the object is built,
     // random and message poisoned when it signs.
    std::array<std::uint8_t, 32> k = k0;
    poison(k);
    const xeddsa::signing_key sk(k);
    unpoison(k);
    std::array<std::uint8_t, 64> z = z0;
    std::array<std::uint8_t, 33> msg = msg0;
    poison(z);
    poison(msg);
    xeddsa::signature sig = sk.sign(msg, z);
    unpoison(z);
    unpoison(msg);
    publish(sig);
    expect(sig == want, "xeddsa signing_key::sign");
  }
}

void check_seed_conversion() {
  const std::array<std::uint8_t, 32> seed0 = pattern<32>(25);
  const auto want = x25519::from_ed25519_seed(seed0);
  std::array<std::uint8_t, 32> seed = seed0;
  poison(seed);
  const auto got = x25519::from_ed25519_seed(seed);
  unpoison(seed);
  std::array<std::uint8_t, 32> a{}, b{};
  for (std::size_t i = 0; i < 32; ++i) {
    a[i] = got.expose()[i];
    b[i] = want.expose()[i];
  }
  publish(a);
  expect(a == b, "x25519::from_ed25519_seed");
}


// check_sign_mulx: XEdDSA signing's only kernel-dependent step, the Edwards
// public key and R = encode(a·B) on the MULX/ADX kernel, with the key and the
// nonce scalar poisoned; called directly so that it also runs under
// valgrind, whose CPUID hides ADX (sign then takes the portable path, which
// check_sign covers). Natively with BMI2/ADX, check_sign runs this kernel too.
void check_sign_mulx() {
#if E2EE_HAVE_X86_KERNELS
  bool run = e2ee::supported(e2ee::x25519_impl::mulx_adx);
#if defined(E2EE_CT_VALGRIND)
  run = run || (RUNNING_ON_VALGRIND && e2ee::cpu::detect().bmi2);
#endif
  if (!run) {
    std::printf("ct_xeddsa: mulx_adx Edwards kernel skipped (no BMI2/ADX)\n");
    return;
  }
  std::printf("ct_xeddsa: sign's fixed-base step on mulx_adx (called directly)\n");
  namespace ge = e2ee::detail::ed25519;
  namespace gm = e2ee::detail::ed25519_mulx;
  namespace sc = e2ee::detail::sc25519;
  const std::array<std::uint8_t, 32> k0 = pattern<32>(21);
  const std::array<std::uint8_t, 64> wide = pattern<64>(26);
  const std::array<std::uint8_t, 32> a0 = xeddsa::detail::clamp(k0);
  const std::array<std::uint8_t, 32> r0 = sc::to_bytes(sc::reduce_wide(wide));
  for (const auto& s0 : {a0, r0}) {
    const auto want = ge::encode(ge::scalarmult_base(s0));
    std::array<std::uint8_t, 32> s = s0;
    poison(s);
    gm::p3 p = gm::scalarmult_base(s);
    std::array<std::uint8_t, 32> enc = gm::encode(p);
    unpoison(s);
    publish(enc);
    expect(enc == want, "xeddsa fixed-base step (public key, R) on mulx_adx");
  }
#endif
}
}  // namespace

int main() {
  ctcheck::state().program = "ct_xeddsa";
  check_sign();
  check_sign_mulx();
  check_seed_conversion();
  return report();
}
