// e2ee/core/cpu.hpp — CPU feature detection, read once, masked by E2EE_CPU_DISABLE.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config.hpp"

#if E2EE_ARCH_X86_64 && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#elif E2EE_ARCH_X86_64 && defined(_MSC_VER)
#include <intrin.h>
#endif
#if E2EE_ARCH_AARCH64 && defined(__linux__)
#include <sys/auxv.h>  // getauxval (Linux and Android, API level 18+)
#elif E2EE_ARCH_AARCH64 && defined(__APPLE__)
#include <sys/sysctl.h>  // sysctlbyname
#endif

E2EE_NAMESPACE_BEGIN
namespace cpu {

// feature_set: what this CPU and OS let e2ee use. A vector feature is set only
// if the OS also saves the registers it needs (XGETBV), as libsodium checks.
struct feature_set {
  // x86-64
  bool sse41 = false, aesni = false, pclmulqdq = false, avx = false, avx2 = false, bmi2 = false,
       adx = false, shani = false, vaes = false, vpclmulqdq = false, avx512 = false,  // F+VL+BW+DQ
      avx512ifma = false;
  // AArch64
  bool neon = false, arm_aes = false, arm_pmull = false, arm_sha2 = false, arm_sha512 = false;

  // to_string lists the set features by their E2EE_CPU_DISABLE names.
  std::string to_string() const {
    std::string s;
    for (const auto& f : names())
      if (this->*f.member) {
        if (!s.empty()) s += ',';
        s += f.name;
      }
    return s.empty() ? std::string("none") : s;
  }

  struct name_entry {
    std::string_view name;
    bool feature_set::*member;
  };
  static constexpr std::array<name_entry, 17> names() {
    return {{{"sse41", &feature_set::sse41},
             {"aesni", &feature_set::aesni},
             {"pclmulqdq", &feature_set::pclmulqdq},
             {"avx", &feature_set::avx},
             {"avx2", &feature_set::avx2},
             {"bmi2", &feature_set::bmi2},
             {"adx", &feature_set::adx},
             {"shani", &feature_set::shani},
             {"vaes", &feature_set::vaes},
             {"vpclmulqdq", &feature_set::vpclmulqdq},
             {"avx512", &feature_set::avx512},
             {"avx512ifma", &feature_set::avx512ifma},
             {"neon", &feature_set::neon},
             {"arm_aes", &feature_set::arm_aes},
             {"arm_pmull", &feature_set::arm_pmull},
             {"arm_sha2", &feature_set::arm_sha2},
             {"arm_sha512", &feature_set::arm_sha512}}};
  }
};

namespace detail {

#if E2EE_ARCH_X86_64
inline void cpuid(std::uint32_t leaf, std::uint32_t sub, std::uint32_t r[4]) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#else
  int v[4];
  __cpuidex(v, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<std::uint32_t>(v[i]);
#endif
}
inline std::uint64_t xgetbv0() noexcept {
#if defined(__GNUC__) || defined(__clang__)
  std::uint32_t lo, hi;
  __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (std::uint64_t{hi} << 32) | lo;
#else
  return _xgetbv(0);
#endif
}
#endif

// implied_by_dependencies clears features whose prerequisites are missing, so
// that disabling "avx" also disables everything built on YMM registers.
constexpr feature_set apply_dependencies(feature_set f) noexcept {
  if (!f.avx) f.avx2 = f.vaes = f.vpclmulqdq = false;  // VEX-only instructions
  if (!f.avx2) f.avx512 = false;
  if (!f.avx512) f.avx512ifma = false;
  if (!f.sse41) f.shani = false;
  if (!f.neon) f.arm_aes = f.arm_pmull = f.arm_sha2 = f.arm_sha512 = false;
  return f;
}

}  // namespace detail

// detect reads the hardware and OS (CPUID + XGETBV on x86-64, HWCAP on
// AArch64), ignoring E2EE_CPU_DISABLE.
inline feature_set detect() noexcept {
  feature_set f;
#if E2EE_ARCH_X86_64
  std::uint32_t r[4];
  detail::cpuid(0, 0, r);
  const std::uint32_t max_leaf = r[0];
  detail::cpuid(1, 0, r);
  const std::uint32_t ecx1 = r[2];
  f.sse41 = (ecx1 >> 19) & 1;
  f.aesni = (ecx1 >> 25) & 1;
  f.pclmulqdq = (ecx1 >> 1) & 1;
  const bool osxsave = (ecx1 >> 27) & 1;
  const std::uint64_t xcr0 = osxsave ? detail::xgetbv0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;          // XMM and YMM state
  const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
  f.avx = os_ymm && ((ecx1 >> 28) & 1);
  if (max_leaf >= 7) {
    detail::cpuid(7, 0, r);
    const std::uint32_t ebx7 = r[1], ecx7 = r[2];
    f.avx2 = f.avx && ((ebx7 >> 5) & 1);
    f.bmi2 = (ebx7 >> 8) & 1;
    f.adx = (ebx7 >> 19) & 1;
    f.shani = (ebx7 >> 29) & 1;
    f.vaes = f.avx && ((ecx7 >> 9) & 1);
    f.vpclmulqdq = f.avx && ((ecx7 >> 10) & 1);
    const bool f512 = (ebx7 >> 16) & 1, dq = (ebx7 >> 17) & 1, bw = (ebx7 >> 30) & 1,
               vl = (ebx7 >> 31) & 1;
    f.avx512 = os_zmm && f512 && dq && bw && vl;
    f.avx512ifma = f.avx512 && ((ebx7 >> 21) & 1);
  }
#elif E2EE_ARCH_AARCH64
  f.neon = true;  // Advanced SIMD is mandatory in AArch64 (HWCAP_ASIMD checked where known)
#if defined(__linux__)
  // Linux arch/arm64 uapi hwcap.h: bits of AT_HWCAP (the same on Android).
  constexpr unsigned long hwcap_asimd = 1ul << 1, hwcap_aes = 1ul << 3, hwcap_pmull = 1ul << 4,
                          hwcap_sha2 = 1ul << 6, hwcap_sha512 = 1ul << 21;
  const unsigned long hw = getauxval(AT_HWCAP);
  f.neon = (hw & hwcap_asimd) != 0;
  f.arm_aes = (hw & hwcap_aes) != 0;
  f.arm_pmull = (hw & hwcap_pmull) != 0;
  f.arm_sha2 = (hw & hwcap_sha2) != 0;
  f.arm_sha512 = (hw & hwcap_sha512) != 0;
#elif defined(__APPLE__)
  // Every Apple arm64 core has AES, PMULL and SHA-256; SHA-512 from the A13/M1
  // on. macOS 12 / iOS 15 and later name them hw.optional.arm.FEAT_*; older
  // systems lack the names, then the ARMv8.0 set (and no SHA-512) is assumed.
  const auto sysctl_flag = [](const char* name, bool fallback) noexcept {
    int v = 0;
    std::size_t len = sizeof v;
    if (sysctlbyname(name, &v, &len, nullptr, 0) != 0) return fallback;
    return v != 0;
  };
  f.arm_aes = sysctl_flag("hw.optional.arm.FEAT_AES", true);
  f.arm_pmull = sysctl_flag("hw.optional.arm.FEAT_PMULL", true);
  f.arm_sha2 = sysctl_flag("hw.optional.arm.FEAT_SHA256", true);
  f.arm_sha512 = sysctl_flag("hw.optional.arm.FEAT_SHA512", false);
#endif
#endif
  return detail::apply_dependencies(f);
}

// mask_disabled clears the features named in `list`, a comma-separated list of
// the names in feature_set::names(); "all" clears everything (portable paths
// only). Unknown names are ignored. Dependent features are cleared too.
inline feature_set mask_disabled(feature_set f, std::string_view list) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "all") return feature_set{};
    for (const auto& e : feature_set::names())
      if (e.name == item) f.*e.member = false;
  }
  return detail::apply_dependencies(f);
}

namespace detail {
inline feature_set from_environment() noexcept {
  const char* env = std::getenv("E2EE_CPU_DISABLE");
  return mask_disabled(detect(), env ? std::string_view(env) : std::string_view{});
}
inline feature_set& cached() noexcept {
  static feature_set f = from_environment();
  return f;
}
}  // namespace detail

// features returns detect() masked by the environment variable
// E2EE_CPU_DISABLE, read once on first use (thread-safe). Each primitive
// picks its kernel from it.
inline const feature_set& features() noexcept { return detail::cached(); }

// refresh re-reads E2EE_CPU_DISABLE. For tests and benches that force each
// kernel in turn; not thread-safe: call it while no other thread uses e2ee.
inline void refresh() noexcept { detail::cached() = detail::from_environment(); }

}  // namespace cpu
E2EE_NAMESPACE_END
