// tests/support/pch.hpp — the precompiled header of the test binaries.
// Every test translation unit includes the library, and the library's
// compile-time work (the Curve25519 tables, the constexpr field and group
// code) would otherwise be done again in each one; CMake builds this once per
// test target (target_precompile_headers) and force-includes it.
#pragma once

#include <catch2/catch.hpp>

#include <e2ee/e2ee.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
