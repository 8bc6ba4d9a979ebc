// tests/ct/selftest.cpp — proof that the constant-time check can fail.
//
// Each case below does something with a poisoned (secret) byte that a
// constant-time implementation must never do. Run under valgrind, each must be
// reported; if one is not, the check in ct_check.cpp proves nothing. The case
// is chosen by argv[1] so that CI sees each flagged on its own:
//   ct_selftest branch  a branch on a secret with a visible side effect
//   ct_selftest table   a load from a table indexed by a secret
//   ct_selftest clean   the same work done in constant time (must pass)
// valgrind judges the binary, not the source: the branch calls a function the
// optimiser cannot see through, so it cannot become a cmov, and the table
// load's result is written to a volatile so it cannot be dropped.
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <e2ee/core/ct.hpp>

namespace {

volatile std::uint32_t g_sink = 0;

// The side effect of the secret branch: not inlined, writes a volatile.
[[gnu::noinline]] void side_effect(std::uint32_t v) noexcept {
  g_sink = g_sink + v;
  __asm__ __volatile__("" : : : "memory");
}

// A 256-entry table, as an S-box would be; contents do not matter.
const std::uint8_t* table() noexcept {
  static std::uint8_t t[256];
  for (std::size_t i = 0; i < sizeof t; ++i) t[i] = static_cast<std::uint8_t>(i * 7u + 1u);
  return t;
}

// The secret comes from outside the program text (argv length and a volatile
// read), so the compiler cannot fold the test away.
std::uint8_t make_secret(const char* arg) noexcept {
  volatile std::uint8_t seed = 0x5a;
  return static_cast<std::uint8_t>(seed ^ static_cast<std::uint8_t>(std::strlen(arg)));
}

int run_branch(std::uint8_t secret) {
  e2ee::ct::poison(&secret, sizeof secret);
  // Only one side calls: with a call on each side the compiler may merge them
  // into one call with a selected argument (clang does), leaving no branch.
  if ((secret & 1u) != 0) side_effect(1);
  return 0;
}

int run_table(std::uint8_t secret) {
  const std::uint8_t* t = table();
  e2ee::ct::poison(&secret, sizeof secret);
  // The address depends on the secret; valgrind must report its use.
  g_sink = t[secret];
  return 0;
}

int run_clean(std::uint8_t secret) {
  const std::uint8_t* t = table();
  e2ee::ct::poison(&secret, sizeof secret);
  // Same effect in constant time: a mask instead of the branch, a full scan
  // with masks instead of the indexed load.
  const auto odd = e2ee::ct::mask<std::uint32_t>::from_bit(secret);
  std::uint32_t v = odd.select(1u, 2u);
  std::uint32_t looked_up = 0;
  for (std::uint32_t i = 0; i < 256; ++i) {
    const auto hit = e2ee::ct::mask<std::uint32_t>::equal(i, secret);
    looked_up |= hit.select(t[i], 0u);
  }
  e2ee::ct::unpoison(&v, sizeof v);  // both are now public results
  e2ee::ct::unpoison(&looked_up, sizeof looked_up);
  side_effect(v);
  g_sink = looked_up;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* which = argc > 1 ? argv[1] : "";
  const std::uint8_t secret = make_secret(argv[0]);
  int rc = 2;
  if (std::strcmp(which, "branch") == 0) {
    rc = run_branch(secret);
  } else if (std::strcmp(which, "table") == 0) {
    rc = run_table(secret);
  } else if (std::strcmp(which, "clean") == 0) {
    rc = run_clean(secret);
  } else {
    std::fprintf(stderr, "usage: ct_selftest branch|table|clean\n");
    return 2;
  }
  // Printed last: a run that crashed earlier does not print it.
  std::printf("ct_selftest %s: done\n", which);
  return rc;
}
