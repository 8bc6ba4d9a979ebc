// tests/support/kernels_x25519.hpp — impl_traits for the X25519 kernels, so
// test::available_impls / test::force_impl work for them.
#pragma once

#include <string_view>

#include <e2ee/ec/x25519.hpp>

#include "kernels.hpp"

namespace test {

template <>
struct impl_traits<e2ee::x25519_impl> {
  static constexpr const auto& all() noexcept { return e2ee::all_x25519_impls; }
  static e2ee::x25519_impl best() noexcept { return e2ee::best_x25519_impl(); }
  static std::string_view disable_list(e2ee::x25519_impl i) noexcept {
    return i == e2ee::x25519_impl::portable ? "bmi2,adx" : "";
  }
};

}  // namespace test

// E2EE_EVERY_CURVE25519_KERNEL(): at the top of a TEST_CASE, runs the whole
// test case (SECTIONs included) once per Curve25519 field kernel the CPU has
// (Catch2 GENERATE), with that kernel forced: the X25519 ladder and every
// Edwards operation (Ed25519, XEdDSA, x25519::public_key) then run on it.
// Needs <catch2/catch.hpp> included first.
#define E2EE_EVERY_CURVE25519_KERNEL()                                                            \
  const auto curve25519_kernel = GENERATE(from_range(test::available_impls<e2ee::x25519_impl>())); \
  const test::force_impl<e2ee::x25519_impl> curve25519_forced(curve25519_kernel);                 \
  REQUIRE(curve25519_forced.selected());                                                          \
  INFO("kernel " << test::name(curve25519_kernel))
