// e2ee/ec/curve25519_kernels.hpp — the Curve25519 kernel choice shared by
// X25519, Ed25519 and XEdDSA (x25519_impl, supported, best_x25519_impl), and
// the run-time dispatch of the fixed-base multiplication: the portable comb
// (constexpr, used in constant evaluation and without BMI2/ADX) or the same
// comb on the MULX/ADX field (detail/x86/edwards25519_mulx.hpp).
// E2EE_CPU_DISABLE=bmi2 (or adx, or all) forces the portable path everywhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "../core/config.hpp"
#include "../core/cpu.hpp"
#include "../core/secret.hpp"
#include "../detail/x86/edwards25519_mulx.hpp"
#include "edwards25519.hpp"

E2EE_NAMESPACE_BEGIN

// x25519_impl names the Curve25519 field kernels: `portable` (5x51 limbs,
// constexpr) and `mulx_adx` (4x64 limbs, MULX/ADCX/ADOX inline asm, x86-64
// with BMI2 and ADX). The X25519 ladder and, since 2026-11, every Edwards
// group operation (Ed25519 key pair, sign, verify, verify_batch; XEdDSA;
// x25519::public_key's fixed-base comb) run on best_x25519_impl(). Both give
// the same bytes and verdicts for every input.
enum class x25519_impl : std::uint8_t { portable, mulx_adx };

inline constexpr std::array<x25519_impl, 2> all_x25519_impls{x25519_impl::portable, x25519_impl::mulx_adx};

constexpr std::string_view to_string(x25519_impl i) noexcept {
  switch (i) {
    case x25519_impl::portable: return "portable";
    case x25519_impl::mulx_adx: return "mulx_adx";
  }
  return "unknown";
}

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(x25519_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case x25519_impl::portable: return true;
    case x25519_impl::mulx_adx: return E2EE_HAVE_X86_KERNELS && f.bmi2 && f.adx;
  }
  return false;
}

// best_x25519_impl is the fastest supported kernel: mulx_adx when the CPU
// has BMI2 and ADX.
inline x25519_impl best_x25519_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  return supported(x25519_impl::mulx_adx, f) ? x25519_impl::mulx_adx : x25519_impl::portable;
}

namespace detail::ed25519 {

// mulx_enabled: the Edwards operations run on the MULX/ADX field (run time only).
inline bool mulx_enabled() noexcept { return supported(x25519_impl::mulx_adx); }

// scalarmult_base_encoded: encode(a·B) (RFC 8032 5.1.2) for a secret scalar
// a < 2^255, on the best kernel (portable in constant evaluation). Constant
// time in a; the point is wiped.
constexpr std::array<std::uint8_t, 32> scalarmult_base_encoded(std::span<const std::uint8_t, 32> a) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (!std::is_constant_evaluated() && mulx_enabled()) {
    auto p = detail::ed25519_mulx::scalarmult_base(a);
    const auto out = detail::ed25519_mulx::encode(p);
    e2ee::wipe(p);
    return out;
  }
#endif
  auto p = scalarmult_base(a);
  const auto out = encode(p);
  e2ee::wipe(p);
  return out;
}

// scalarmult_base_montgomery_u: the X25519 u-coordinate (Z + Y)/(Z - Y) of
// a·B for a secret scalar a < 2^255 (0 if a·B is the identity), on the best
// kernel. Constant time in a; temporaries wiped.
constexpr std::array<std::uint8_t, 32> scalarmult_base_montgomery_u(std::span<const std::uint8_t, 32> a) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (!std::is_constant_evaluated() && mulx_enabled()) {
    auto p = detail::ed25519_mulx::scalarmult_base(a);
    const auto out = detail::ed25519_mulx::montgomery_u(p);
    e2ee::wipe(p);
    return out;
  }
#endif
  namespace f = e2ee::detail::f25519;
  p3 p = scalarmult_base(a);
  f::tight num = f::carry(f::add(p.z, p.y));
  f::tight den = f::carry(f::sub(p.z, p.y));
  f::tight u = f::mul(num, f::invert(den));
  const auto out = f::to_bytes(u);
  e2ee::wipe(p);
  e2ee::wipe(num);
  e2ee::wipe(den);
  e2ee::wipe(u);
  return out;
}

}  // namespace detail::ed25519

E2EE_NAMESPACE_END
