// tests/support/kernels_aes.hpp — impl_traits for the AES kernels (block
// cipher and GCM), so test::available_impls / test::force_impl work for them.
#pragma once

#include <string_view>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>

#include "kernels.hpp"

namespace test {

template <>
struct impl_traits<e2ee::aes_impl> {
  static constexpr const auto& all() noexcept { return e2ee::all_aes_impls; }
  static e2ee::aes_impl best() noexcept { return e2ee::best_aes_impl(); }
  static std::string_view disable_list(e2ee::aes_impl i) noexcept {
    switch (i) {
      case e2ee::aes_impl::portable: return "aesni,arm_aes";
      case e2ee::aes_impl::aesni: return "vaes";
      default: return "";
    }
  }
};

template <>
struct impl_traits<e2ee::aes_gcm_impl> {
  static constexpr const auto& all() noexcept { return e2ee::all_aes_gcm_impls; }
  static e2ee::aes_gcm_impl best() noexcept { return e2ee::best_aes_gcm_impl(); }
  static std::string_view disable_list(e2ee::aes_gcm_impl i) noexcept {
    switch (i) {
      case e2ee::aes_gcm_impl::portable: return "aesni,pclmulqdq,arm_aes,arm_pmull";
      case e2ee::aes_gcm_impl::aesni_clmul: return "vaes,vpclmulqdq";
      default: return "";
    }
  }
};

}  // namespace test
