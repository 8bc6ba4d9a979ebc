// tests/support/json_fields.hpp — reading JSON vector files inside Catch2
// tests: load an external file (it must exist and parse) and fetch required
// members (a missing or mistyped member fails the test that asked for it).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "json.hpp"
#include "vectors.hpp"

namespace test::json {

// load_external: the parsed file `name` under E2EE_EXTERNAL_VECTORS.
inline parse_result load_external(std::string_view name) {
  const auto text = test::vectors::read_file(test::vectors::external(name));
  INFO("vector file " << name);
  REQUIRE(text.has_value());
  auto parsed = parse(*text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  return parsed;
}

// str: the string member `key` of object `o`.
inline std::string str(const value& o, std::string_view key) {
  const auto* v = o.find(key);
  INFO("member " << key);
  REQUIRE(v != nullptr);
  REQUIRE(v->as_string() != nullptr);
  return *v->as_string();
}

// u32: the integer member `key` of object `o`, which must fit 32 bits.
inline std::uint32_t u32(const value& o, std::string_view key) {
  const auto* v = o.find(key);
  INFO("member " << key);
  REQUIRE(v != nullptr);
  const auto n = v->as_int();
  REQUIRE(n.has_value());
  REQUIRE(*n >= 0);
  REQUIRE(*n <= 0xffffffffLL);
  return static_cast<std::uint32_t>(*n);
}

}  // namespace test::json
