// tests/fuzz/fuzz_common.hpp — helpers shared by the libFuzzer targets:
// OpenSSL as the reference, a check that aborts with a message, and the
// switch between the default and the portable kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <openssl/evp.h>

#include <e2ee/core/cpu.hpp>

namespace fuzz {

using cspan = std::span<const std::uint8_t>;

// check aborts the run (libFuzzer saves the input) when a comparison fails.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: MISMATCH: %s\n", what);
    std::abort();
  }
}

inline bool same(cspan a, cspan b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// A non-null pointer for empty inputs: OpenSSL rejects some null buffers.
inline const std::uint8_t* ptr(cspan s) {
  static const std::uint8_t empty = 0;
  return s.empty() ? &empty : s.data();
}

// kernels selects what the default-constructed primitives (hmac, hkdf,
// sha256::hash) use: the best kernels of this CPU, or the portable code
// everywhere (E2EE_CPU_DISABLE=all). Switching costs a CPUID, so it is done
// only when the mode changes.
enum class kernels : std::uint8_t { best, portable };

inline void use(kernels k) {
  static int current = -1;
  if (current == static_cast<int>(k)) return;
  if (k == kernels::portable) {
    setenv("E2EE_CPU_DISABLE", "all", 1);
  } else {
    unsetenv("E2EE_CPU_DISABLE");
  }
  e2ee::cpu::refresh();
  current = static_cast<int>(k);
}

inline const EVP_MD* md_for(std::size_t digest_size) {
  return digest_size == 32 ? EVP_sha256() : EVP_sha512();
}

}  // namespace fuzz
