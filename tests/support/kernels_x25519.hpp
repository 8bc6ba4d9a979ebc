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
