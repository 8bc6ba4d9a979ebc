// The Catch2 v2 main for e2ee_tests; suites live in tests/test_*.cpp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
