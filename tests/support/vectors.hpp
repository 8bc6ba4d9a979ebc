// tests/support/vectors.hpp — where test vectors live, and reading them.
//
// Two places:
// - external: third-party suites (Wycheproof, NIST CAVP, RFC files), never
//   copied into the repository. The directory is the environment variable
//   E2EE_EXTERNAL_VECTORS if set (set but empty disables them), else the
//   compile-time E2EE_TEST_EXTERNAL_VECTORS (CMake cache E2EE_EXTERNAL_VECTORS).
//   No such directory: the tests that need it are skipped with a visible
//   "SKIPPED" warning (E2EE_REQUIRE_EXTERNAL_VECTORS). The directory exists
//   but a file is missing or malformed: the test fails, it never passes.
// - own: the repository's vectors/ directory (E2EE_TEST_OWN_VECTORS; the
//   environment variable E2EE_OWN_VECTORS overrides it). Always required.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#ifndef E2EE_TEST_EXTERNAL_VECTORS
#define E2EE_TEST_EXTERNAL_VECTORS ""
#endif
#ifndef E2EE_TEST_OWN_VECTORS
#define E2EE_TEST_OWN_VECTORS "vectors"
#endif

namespace test::vectors {

// external_dir: the third-party vector directory, or nullopt when there is
// none (empty setting, or the directory does not exist).
inline std::optional<std::filesystem::path> external_dir() {
  const char* env = std::getenv("E2EE_EXTERNAL_VECTORS");
  const std::string dir = env ? std::string(env) : std::string(E2EE_TEST_EXTERNAL_VECTORS);
  if (dir.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
  return std::filesystem::path(dir);
}

// external(name): path of a file in the external directory. Call only after
// E2EE_REQUIRE_EXTERNAL_VECTORS (without a directory it returns `name`, which
// then fails to open: a failure, never a pass).
inline std::filesystem::path external(std::string_view name) {
  const auto dir = external_dir();
  return dir ? *dir / std::string(name) : std::filesystem::path(std::string(name));
}

// own(name): path of a file in the repository's vectors/ directory.
inline std::filesystem::path own(std::string_view name) {
  const char* env = std::getenv("E2EE_OWN_VECTORS");
  const std::string dir = env && *env ? std::string(env) : std::string(E2EE_TEST_OWN_VECTORS);
  return std::filesystem::path(dir) / std::string(name);
}

// read_file: the whole file, or nullopt if it cannot be opened or read.
inline std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(ss).str();
}

// skipped_count: how many test cases were skipped for want of external
// vectors in this run (printed once more at exit, so the skip stays visible
// even in a long log).
inline int& skipped_count() {
  static int n = 0;
  return n;
}
inline void note_skipped(std::string_view test_name) {
  struct at_exit_note {
    ~at_exit_note() {
      if (skipped_count() > 0)
        std::fprintf(stderr,
                     "e2ee tests: SKIPPED %d test case(s) that need third-party vectors: "
                     "no external vectors directory (set E2EE_EXTERNAL_VECTORS)\n",
                     skipped_count());
    }
  };
  static at_exit_note note;
  ++skipped_count();
  std::fprintf(stderr, "SKIPPED: %.*s: no external vectors directory (set E2EE_EXTERNAL_VECTORS)\n",
               static_cast<int>(test_name.size()), test_name.data());
}

}  // namespace test::vectors

// E2EE_REQUIRE_EXTERNAL_VECTORS: first statement of a TEST_CASE that reads
// third-party vectors. Without an external directory it WARNs "SKIPPED ..."
// (shown by Catch's console reporter), prints the same to stderr and returns
// from the test case. Catch2 v2 has no SKIP; the warning is the visible mark.
#define E2EE_REQUIRE_EXTERNAL_VECTORS()                                                     \
  do {                                                                                      \
    if (!::test::vectors::external_dir()) {                                                 \
      ::test::vectors::note_skipped(Catch::getResultCapture().getCurrentTestName());        \
      WARN("SKIPPED: no external vectors directory (E2EE_EXTERNAL_VECTORS is empty or "     \
           "does not exist)");                                                              \
      return;                                                                               \
    }                                                                                       \
  } while (false)
