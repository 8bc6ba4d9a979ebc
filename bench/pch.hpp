// bench/pch.hpp — the precompiled header of e2ee_bench: the library's
// compile-time work (Curve25519 tables, constexpr field and group code) is
// done once for the binary instead of once per bench file.
#pragma once

#include <benchmark/benchmark.h>

#include <e2ee/e2ee.hpp>
