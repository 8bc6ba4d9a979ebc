// tests/support/kernels.hpp — run a test on every kernel, and know which one ran.
//
//   for (const auto impl : test::available_impls<e2ee::sha256_impl>()) {
//     const test::force_impl use(impl);    // scoped E2EE_CPU_DISABLE + cpu::refresh()
//     REQUIRE(use.selected());             // defaults (sha256{}, hmac, hkdf) now pick impl
//     INFO("kernel " << test::name(impl));
//     ...
//   }
//
// force_cpu sets E2EE_CPU_DISABLE to a given list and re-reads the CPU
// features; its destructor restores the previous value (or unsets it) and
// re-reads again. Not thread-safe, like cpu::refresh().
//
// A new primitive with kernels adds one impl_traits specialisation: the list
// of its impls, its best-impl function, and for each impl the E2EE_CPU_DISABLE
// list that makes it the best one (on a CPU that supports it).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <e2ee/core/cpu.hpp>
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>

namespace test {

// force_cpu: scoped E2EE_CPU_DISABLE = list (then cpu::refresh()).
class force_cpu {
 public:
  explicit force_cpu(std::string_view disable_list) {
    if (const char* old = std::getenv("E2EE_CPU_DISABLE")) previous_ = std::string(old);
    set(std::string(disable_list));
  }
  ~force_cpu() {
    if (previous_) {
      set(*previous_);
    } else {
#if defined(_WIN32)
      _putenv_s("E2EE_CPU_DISABLE", "");
#else
      unsetenv("E2EE_CPU_DISABLE");
#endif
      e2ee::cpu::refresh();
    }
  }
  force_cpu(const force_cpu&) = delete;
  force_cpu& operator=(const force_cpu&) = delete;

  // previous: the value E2EE_CPU_DISABLE had before this object (nullopt: unset).
  const std::optional<std::string>& previous() const noexcept { return previous_; }

 private:
  static void set(const std::string& v) {
#if defined(_WIN32)
    _putenv_s("E2EE_CPU_DISABLE", v.c_str());
#else
    setenv("E2EE_CPU_DISABLE", v.c_str(), 1);
#endif
    e2ee::cpu::refresh();
  }
  std::optional<std::string> previous_;
};

// impl_traits<Impl>: per-primitive kernel table (specialised below).
template <class Impl>
struct impl_traits;

template <>
struct impl_traits<e2ee::sha256_impl> {
  static constexpr const auto& all() noexcept { return e2ee::all_sha256_impls; }
  static e2ee::sha256_impl best() noexcept { return e2ee::best_sha256_impl(); }
  // disable_list: E2EE_CPU_DISABLE that leaves `i` as the best SHA-256 kernel.
  static std::string_view disable_list(e2ee::sha256_impl i) noexcept {
    return i == e2ee::sha256_impl::portable ? "shani,arm_sha2" : "";
  }
};

template <>
struct impl_traits<e2ee::sha512_impl> {
  static constexpr const auto& all() noexcept { return e2ee::all_sha512_impls; }
  static e2ee::sha512_impl best() noexcept { return e2ee::best_sha512_impl(); }
  static std::string_view disable_list(e2ee::sha512_impl i) noexcept {
    return i == e2ee::sha512_impl::portable ? "avx2,avx512,arm_sha512" : "";
  }
};

// name: the kernel's name for INFO() lines.
template <class Impl>
std::string name(Impl i) {
  return std::string(to_string(i));
}

// available_impls: every kernel of Impl's primitive that this CPU (as masked
// by E2EE_CPU_DISABLE right now) supports; the portable one always.
template <class Impl>
std::vector<Impl> available_impls() {
  std::vector<Impl> out;
  for (const Impl i : impl_traits<Impl>::all())
    if (e2ee::supported(i)) out.push_back(i);
  return out;
}

// force_impl: scoped configuration in which Impl's best kernel is `impl`, so
// code that takes the default (sha256{}, hmac<sha256>, hkdf<sha256>) uses it.
// The disable list is added to the E2EE_CPU_DISABLE already in force, so a
// user's own restriction stays. selected() tells whether it worked.
template <class Impl>
class force_impl {
 public:
  explicit force_impl(Impl impl) : impl_(impl), cpu_(compose(impl)) {}
  bool selected() const noexcept { return impl_traits<Impl>::best() == impl_; }
  Impl impl() const noexcept { return impl_; }

 private:
  static std::string compose(Impl impl) {
    const char* env = std::getenv("E2EE_CPU_DISABLE");
    std::string list = env ? std::string(env) : std::string();
    const std::string_view add = impl_traits<Impl>::disable_list(impl);
    if (!add.empty()) {
      if (!list.empty()) list += ',';
      list += add;
    }
    return list;
  }
  Impl impl_;
  force_cpu cpu_;
};

}  // namespace test
