// AArch64 CPU features: their E2EE_CPU_DISABLE names, dependencies, and the
// kernels each feature set selects. Runs on every build (the feature sets are
// built by hand); the detection checks run only on AArch64 (scripts/arm.sh
// runs them under qemu -cpu max, which has every extension).
#include <catch2/catch.hpp>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>
#include <e2ee/core/cpu.hpp>
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>

#include "support/kernels.hpp"

namespace {

e2ee::cpu::feature_set arm_features() {
  e2ee::cpu::feature_set f;
  f.neon = f.arm_aes = f.arm_pmull = f.arm_sha2 = f.arm_sha512 = true;
  return f;
}

bool arm_same(const e2ee::cpu::feature_set& a, const e2ee::cpu::feature_set& b) {
  return a.neon == b.neon && a.arm_aes == b.arm_aes && a.arm_pmull == b.arm_pmull &&
         a.arm_sha2 == b.arm_sha2 && a.arm_sha512 == b.arm_sha512;
}

}  // namespace

TEST_CASE("cpu arm: names and masking of the AArch64 features", "[core][cpu][arm]") {
  using e2ee::cpu::mask_disabled;
  const auto full = arm_features();
  CHECK(full.to_string() == "neon,arm_aes,arm_pmull,arm_sha2,arm_sha512");
  SECTION("each name clears its own feature only") {
    auto expect = full;
    expect.arm_aes = false;
    CHECK(arm_same(mask_disabled(full, "arm_aes"), expect));
    expect = full;
    expect.arm_pmull = false;
    CHECK(arm_same(mask_disabled(full, "arm_pmull"), expect));
    expect = full;
    expect.arm_sha2 = false;
    CHECK(arm_same(mask_disabled(full, "arm_sha2"), expect));
    expect = full;
    expect.arm_sha512 = false;
    CHECK(arm_same(mask_disabled(full, " arm_sha512 ,nonsense"), expect));
  }
  SECTION("neon clears every AArch64 extension; all clears everything") {
    CHECK(arm_same(mask_disabled(full, "neon"), e2ee::cpu::feature_set{}));
    CHECK(arm_same(mask_disabled(full, "all"), e2ee::cpu::feature_set{}));
    CHECK(mask_disabled(full, "all").to_string() == "none");
  }
  SECTION("x86 names leave the AArch64 features alone") {
    CHECK(arm_same(mask_disabled(full, "shani,avx2,aesni,pclmulqdq,vaes,avx"), full));
  }
  SECTION("a feature without NEON is never reported") {
    auto f = full;
    f.neon = false;
    CHECK(arm_same(e2ee::cpu::detail::apply_dependencies(f), e2ee::cpu::feature_set{}));
  }
}

TEST_CASE("cpu arm: the AArch64 features select the armv8 hash kernels", "[core][cpu][arm][kernels]") {
  const auto f = arm_features();
  const bool built = E2EE_HAVE_ARM_CRYPTO_KERNELS;
  CHECK(e2ee::supported(e2ee::sha256_impl::armv8, f) == built);
  CHECK(e2ee::supported(e2ee::sha512_impl::armv8, f) == built);
  CHECK_FALSE(e2ee::supported(e2ee::sha256_impl::armv8, e2ee::cpu::feature_set{}));
  CHECK_FALSE(e2ee::supported(e2ee::sha512_impl::armv8, e2ee::cpu::feature_set{}));
  CHECK(e2ee::to_string(e2ee::sha256_impl::armv8) == "armv8");
  CHECK(e2ee::to_string(e2ee::sha512_impl::armv8) == "armv8");
  if (built) {
    CHECK(e2ee::best_sha256_impl(f) == e2ee::sha256_impl::armv8);
    CHECK(e2ee::best_sha512_impl(f) == e2ee::sha512_impl::armv8);
    // SHA-512 needs ARMv8.2's FEAT_SHA512; SHA-256 keeps its kernel without it.
    const auto no512 = e2ee::cpu::mask_disabled(f, "arm_sha512");
    CHECK(e2ee::best_sha256_impl(no512) == e2ee::sha256_impl::armv8);
    CHECK(e2ee::best_sha512_impl(no512) == e2ee::sha512_impl::portable);
    CHECK(e2ee::best_sha256_impl(e2ee::cpu::mask_disabled(f, "arm_sha2")) == e2ee::sha256_impl::portable);
    CHECK(e2ee::best_sha256_impl(e2ee::cpu::mask_disabled(f, "neon")) == e2ee::sha256_impl::portable);
  } else {
    CHECK(e2ee::best_sha256_impl(f) == e2ee::sha256_impl::portable);
    CHECK(e2ee::best_sha512_impl(f) == e2ee::sha512_impl::portable);
  }
}

TEST_CASE("cpu arm: the AArch64 features select the armv8 AES and GCM kernels", "[core][cpu][arm][kernels]") {
  const auto f = arm_features();
  const bool built = E2EE_HAVE_ARM_CRYPTO_KERNELS;
  CHECK(e2ee::supported(e2ee::aes_impl::armv8, f) == built);
  CHECK(e2ee::supported(e2ee::aes_gcm_impl::armv8, f) == built);
  CHECK_FALSE(e2ee::supported(e2ee::aes_impl::armv8, e2ee::cpu::feature_set{}));
  CHECK_FALSE(e2ee::supported(e2ee::aes_gcm_impl::armv8, e2ee::cpu::feature_set{}));
  CHECK(e2ee::to_string(e2ee::aes_impl::armv8) == "armv8");
  CHECK(e2ee::to_string(e2ee::aes_gcm_impl::armv8) == "armv8");
  if (built) {
    CHECK(e2ee::best_aes_impl(f) == e2ee::aes_impl::armv8);
    CHECK(e2ee::best_aes_gcm_impl(f) == e2ee::aes_gcm_impl::armv8);
    // GCM needs PMULL too; the block cipher does not.
    const auto no_pmull = e2ee::cpu::mask_disabled(f, "arm_pmull");
    CHECK(e2ee::best_aes_impl(no_pmull) == e2ee::aes_impl::armv8);
    CHECK(e2ee::best_aes_gcm_impl(no_pmull) == e2ee::aes_gcm_impl::portable);
    const auto no_aes = e2ee::cpu::mask_disabled(f, "arm_aes");
    CHECK(e2ee::best_aes_impl(no_aes) == e2ee::aes_impl::portable);
    CHECK(e2ee::best_aes_gcm_impl(no_aes) == e2ee::aes_gcm_impl::portable);
  } else {
    CHECK(e2ee::best_aes_impl(f) == e2ee::aes_impl::portable);
    CHECK(e2ee::best_aes_gcm_impl(f) == e2ee::aes_gcm_impl::portable);
  }
}

#if E2EE_ARCH_AARCH64
TEST_CASE("cpu arm: detection on this AArch64 CPU", "[core][cpu][arm]") {
  const auto hw = e2ee::cpu::detect();
  INFO("detected: " << hw.to_string());
  // Printed so that scripts/arm.sh shows what qemu's CPU model offers.
  WARN("AArch64 CPU features: " << hw.to_string());
  CHECK(hw.neon);
  CHECK_FALSE(hw.aesni);
  CHECK_FALSE(hw.shani);
  CHECK(arm_same(e2ee::cpu::detail::apply_dependencies(hw), hw));
  {
    const test::force_cpu none("all");
    CHECK(arm_same(e2ee::cpu::features(), e2ee::cpu::feature_set{}));
    CHECK(e2ee::best_sha256_impl() == e2ee::sha256_impl::portable);
  }
  {
    const test::force_cpu no_sha2("arm_sha2");
    CHECK_FALSE(e2ee::cpu::features().arm_sha2);
    CHECK(e2ee::cpu::features().arm_aes == hw.arm_aes);
  }
  // E2EE_ARM_EXPECT_CRYPTO=1 (scripts/arm.sh under qemu -cpu max) requires the
  // crypto extensions, so that a CPU model without them cannot pass silently.
  if (const char* want = std::getenv("E2EE_ARM_EXPECT_CRYPTO"); want != nullptr && want[0] == '1') {
    CHECK(hw.arm_aes);
    CHECK(hw.arm_pmull);
    CHECK(hw.arm_sha2);
    CHECK(hw.arm_sha512);
    CHECK(e2ee::supported(e2ee::sha256_impl::armv8, hw));
    CHECK(e2ee::supported(e2ee::sha512_impl::armv8, hw));
    CHECK(e2ee::supported(e2ee::aes_impl::armv8, hw));
    CHECK(e2ee::supported(e2ee::aes_gcm_impl::armv8, hw));
  }
}
#endif
