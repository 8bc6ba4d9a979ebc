// The Catch2 v2 main for e2ee_interop_tests (live interop with libsignal-protocol-c).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
