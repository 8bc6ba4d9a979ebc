// e2ee/core/random.hpp — the random_source concept and os_random.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "config.hpp"

#if defined(_WIN32)
#include <windows.h>
#include <bcrypt.h>
#if defined(_MSC_VER)
#pragma comment(lib, "bcrypt")
#endif
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__)
#include <stdlib.h>  // arc4random_buf
#elif defined(__linux__) || defined(__ANDROID__)
#include <cerrno>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#error "e2ee: no operating-system random source known for this platform"
#endif

E2EE_NAMESPACE_BEGIN

// random_source: anything with `bool fill(std::span<uint8_t>)` that fills the
// whole span with uniformly random bytes, or returns false. Every e2ee API that
// needs randomness takes one, so tests can pass a deterministic source.
template <class R>
concept random_source = requires(R& r, std::span<std::uint8_t> out) {
  { r.fill(out) } -> std::convertible_to<bool>;
};

// os_random reads the operating system's CSPRNG: getrandom(2) on Linux and
// Android (falling back to /dev/urandom where the syscall is missing),
// arc4random_buf on macOS, iOS and the BSDs, BCryptGenRandom on Windows.
// fill returns false only if the OS source fails; the output is then zeroed
// and must not be used.
struct os_random {
  [[nodiscard]] bool fill(std::span<std::uint8_t> out) const noexcept {
    const bool ok = fill_raw(out.data(), out.size());
    if (!ok) {
      for (auto& b : out) b = 0;
    }
    return ok;
  }

 private:
  static bool fill_raw(std::uint8_t* p, std::size_t n) noexcept {
#if defined(_WIN32)
    while (n > 0) {
      const ULONG chunk = n > 0x10000000u ? 0x10000000u : static_cast<ULONG>(n);
      if (BCryptGenRandom(nullptr, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return false;
      p += chunk;
      n -= chunk;
    }
    return true;
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__)
    arc4random_buf(p, n);
    return true;
#else
#if defined(SYS_getrandom)
    bool no_syscall = false;
    while (n > 0) {
      const std::size_t chunk = n > 33554431u ? 33554431u : n;  // getrandom's per-call cap
      const long r = ::syscall(SYS_getrandom, p, chunk, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOSYS) {
          no_syscall = true;
          break;
        }
        return false;
      }
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    if (!no_syscall) return true;
#endif
    return read_dev_urandom(p, n);
#endif
  }

#if defined(__linux__) || defined(__ANDROID__)
  static bool read_dev_urandom(std::uint8_t* p, std::size_t n) noexcept {
    int fd;
    do {
      fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return false;
    while (n > 0) {
      const ssize_t r = ::read(fd, p, n);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        ::close(fd);
        return false;
      }
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    ::close(fd);
    return true;
  }
#endif
};

static_assert(random_source<os_random>);

E2EE_NAMESPACE_END
