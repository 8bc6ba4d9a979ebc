// Tests of the test harness itself: the JSON reader, the .rsp reader, the
// Wycheproof loaders (every file in the external directory loads completely),
// vector paths and the deterministic rng.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bytes.hpp"
#include "json.hpp"
#include "kernels.hpp"
#include "rng.hpp"
#include "rsp.hpp"
#include "vectors.hpp"
#include "wycheproof.hpp"

TEST_CASE("harness: json accepts RFC 8259 text", "[harness]") {
  const auto r = test::json::parse(
      R"( {"a": [1, -2, 3.5e2, 0, -0.25, true, false, null], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00",
           "o": {}, "e": [], "big": 9223372036854775807, "neg": -9223372036854775808} )");
  INFO(r.error);
  REQUIRE(r.ok());
  const auto& v = *r.root;
  REQUIRE(v.is_object());
  const auto* a = v.find("a");
  REQUIRE(a);
  REQUIRE(a->as_array());
  REQUIRE(a->as_array()->size() == 8);
  CHECK(a->as_array()->at(0).as_int() == 1);
  CHECK(a->as_array()->at(1).as_int() == -2);
  CHECK_FALSE(a->as_array()->at(2).as_int().has_value());
  CHECK(a->as_array()->at(2).as_double() == Approx(350.0));
  CHECK(a->as_array()->at(5).as_bool() == true);
  CHECK(a->as_array()->at(7).is_null());
  const auto* s = v.find("s");
  REQUIRE(s);
  REQUIRE(s->as_string());
  CHECK(*s->as_string() == "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.find("o")->as_object()->empty());
  CHECK(v.find("e")->as_array()->empty());
  CHECK(v.find("big")->as_int() == INT64_MAX);
  CHECK(v.find("neg")->as_int() == INT64_MIN);
  CHECK(v.find("missing") == nullptr);
  CHECK(test::json::parse("\"\"").ok());
  CHECK(test::json::parse(" 0 ").ok());
}

TEST_CASE("harness: json rejects malformed text with a message", "[harness]") {
  const char* bad[] = {
      "",          "{",           "}",         "[1,]",         "{\"a\":1,}",     "[01]",
      "[1.]",      "[.5]",        "[1e]",      "[-]",          "[+1]",           "tru",
      "nul",       "[\"a]",       "[\"\\x\"]", "[\"\\u12\"]",  "[\"\\ud800\"]",  "[\"\\udc00\"]",
      "{\"a\" 1}", "{1:2}",       "[1 2]",     "[1] x",        "\"tab\there\"",  "{\"a\":1,\"a\":2}",
      "[NaN]",     "[Infinity]",  "'x'",       "[\"\\ud800\\u0041\"]", "[1]]",
  };
  for (const char* text : bad) {
    INFO("input: " << text);
    const auto r = test::json::parse(text);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.error.empty());
  }
  // Deep nesting is an error, not a stack overflow.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto r = test::json::parse(deep);
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("deep") != std::string::npos);
  // Every prefix of a valid document fails cleanly.
  const std::string doc = R"({"k": ["a\u0041", 12, {"x": [true, null]}], "z": -1.5e-3})";
  REQUIRE(test::json::parse(doc).ok());
  for (std::size_t n = 0; n < doc.size(); ++n) CHECK_FALSE(test::json::parse(doc.substr(0, n)).ok());
}

TEST_CASE("harness: rsp reader", "[harness]") {
  const std::string text =
      "#  CAVS 11.0\r\n"
      "\r\n"
      "[L = 32]\r\n"
      "\r\n"
      "Len = 0\r\n"
      "Msg = 00\r\n"
      "MD = aa\r\n"
      "\r\n"
      "Len = 8\r\n"
      "# comment inside\r\n"
      "Msg = d3\r\n"
      "MD = bb\r\n"
      "Len = 16\r\n"  // a repeated key starts a new record even without a blank line
      "Msg = 11af\r\n"
      "MD = cc\r\n"
      "\r\n"
      "[L=64]\r\n"
      "[ENCRYPT]\r\n"
      "Count = 0\r\n"
      "Key =\r\n"
      "FAIL\r\n";
  const auto f = test::rsp::parse(text);
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 4);
  CHECK(f.records[0].number("len") == 0u);
  CHECK(f.records[0].get("MSG") == "00");
  CHECK(*f.records[0].param("L") == "32");
  CHECK(f.records[1].hex("Msg") == std::vector<std::uint8_t>{0xd3});
  CHECK(f.records[2].get("MD") == "cc");
  CHECK(*f.records[3].param("l") == "64");
  CHECK(f.records[3].section == "ENCRYPT");
  CHECK(f.records[3].has("Key"));
  CHECK(f.records[3].hex("Key")->empty());
  CHECK(f.records[3].has_token("FAIL"));
  CHECK_FALSE(f.records[2].has_token("FAIL"));
  CHECK(f.in_section("L", "32").size() == 3);
  CHECK(f.with_field("Count").size() == 1);
  CHECK_FALSE(f.records[3].hex("Count").has_value());  // "0": odd length, not hex
  CHECK_FALSE(f.records[0].number("MD").has_value());  // "aa" is not decimal

  // record_key: blank lines inside a record (the RFC 5869 file).
  const auto g = test::rsp::parse("COUNT = 1\nA = 01\n\nB = 02\n\nCOUNT = 2\nA = 03\n", {"COUNT"});
  REQUIRE(g.ok());
  REQUIRE(g.records.size() == 2);
  CHECK(g.records[0].get("B") == "02");
  CHECK(g.records[1].get("A") == "03");

  CHECK_FALSE(test::rsp::parse("[L = 32\n").ok());
  CHECK_FALSE(test::rsp::parse("what is this\n").ok());
  CHECK_FALSE(test::rsp::parse(" = 12\n").ok());
  CHECK_FALSE(test::rsp::load("/nonexistent/e2ee/file.rsp").ok());
}

TEST_CASE("harness: own vectors are present and well formed", "[harness]") {
  for (const char* name : {"sha256.txt", "sha512.txt", "hmac_sha256.txt", "hmac_sha512.txt", "hkdf_sha256.txt"}) {
    INFO(name);
    const auto f = test::rsp::load_own(name);
    INFO(f.error);
    REQUIRE(f.ok());
    CHECK(f.records.size() >= 3);
    for (const auto& r : f.records) {
      INFO("line " << r.line);
      CHECK(r.has("name"));
      for (const auto& [k, v] : r.fields)
        if (k != "name" && k != "repeat" && k != "size") CHECK(e2ee::from_hex(v).has_value());
    }
  }
}

TEST_CASE("harness: every Wycheproof file loads completely", "[harness][wycheproof]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using namespace test::wycheproof;
  auto check = [](const auto& s, std::size_t expected) {
    INFO(s.path << ": " << s.error);
    REQUIRE(s.ok());
    CHECK(s.tests.size() == s.declared_count);
    CHECK(s.declared_count == expected);
    for (const auto& t : s.tests) CHECK(t.id > 0);
  };
  check(load_mac("hmac_sha256_test.json"), 174);
  check(load_mac("hmac_sha512_test.json"), 174);
  check(load_hkdf("hkdf_sha256_test.json"), 86);
  check(load_hkdf("hkdf_sha512_test.json"), 83);
  check(load_aead("aes_gcm_test.json"), 316);
  check(load_ind_cpa("aes_cbc_pkcs5_test.json"), 216);
  check(load_xdh("x25519_test.json"), 518);
  check(load_eddsa_verify("ed25519_test.json"), 151);
  // A file of another schema, or a missing file, fails to load.
  CHECK_FALSE(load_mac("hkdf_sha256_test.json").ok());
  CHECK_FALSE(load_mac("no_such_file.json").ok());
  const auto x = load_xdh("x25519_test.json");
  REQUIRE(x.ok());
  std::size_t acceptable = 0;
  for (const auto& t : x.tests) acceptable += t.acceptable();
  CHECK(acceptable == 254);
}

TEST_CASE("harness: external vector directory resolution", "[harness]") {
  const char* old = std::getenv("E2EE_EXTERNAL_VECTORS");
  const std::string saved = old ? old : "";
  setenv("E2EE_EXTERNAL_VECTORS", "", 1);
  CHECK_FALSE(test::vectors::external_dir().has_value());
  setenv("E2EE_EXTERNAL_VECTORS", "/nonexistent/e2ee-vectors", 1);
  CHECK_FALSE(test::vectors::external_dir().has_value());
  setenv("E2EE_EXTERNAL_VECTORS", ".", 1);
  CHECK(test::vectors::external_dir().has_value());
  if (old) {
    setenv("E2EE_EXTERNAL_VECTORS", saved.c_str(), 1);
  } else {
    unsetenv("E2EE_EXTERNAL_VECTORS");
  }
  CHECK(test::vectors::read_file(test::vectors::own("README.md")).has_value());
}

TEST_CASE("harness: rng is deterministic and a random_source", "[harness]") {
  test::rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
  }
  std::vector<std::uint8_t> buf(37);
  CHECK(a.fill(buf));
  for (int i = 0; i < 1000; ++i) {
    const auto v = a.range(3, 9);
    CHECK((v >= 3 && v <= 9));
  }
  CHECK(a.below(1) == 0);
}

TEST_CASE("harness: force_cpu restores E2EE_CPU_DISABLE", "[harness][kernels]") {
  const char* old = std::getenv("E2EE_CPU_DISABLE");
  const std::string saved = old ? old : "";
  {
    const test::force_cpu f("all");
    CHECK(std::string(std::getenv("E2EE_CPU_DISABLE")) == "all");
    CHECK(e2ee::cpu::features().to_string() == "none");
    {
      const test::force_cpu g("shani");
      CHECK(std::string(std::getenv("E2EE_CPU_DISABLE")) == "shani");
    }
    CHECK(std::string(std::getenv("E2EE_CPU_DISABLE")) == "all");
  }
  const char* now = std::getenv("E2EE_CPU_DISABLE");
  CHECK((now != nullptr) == (old != nullptr));
  if (now && old) CHECK(std::string(now) == saved);
}

TEST_CASE("harness: every NIST and RFC vector file parses with its known record count",
          "[harness][nist][rfc]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  struct expected_file {
    const char* name;
    const char* record_field;  // a field every record of interest has
    std::size_t count;         // from shared/vectors/README.md
  };
  const expected_file files[] = {
      {"nist/SHA256ShortMsg.rsp", "MD", 65},   {"nist/SHA256LongMsg.rsp", "MD", 64},
      {"nist/SHA256Monte.rsp", "COUNT", 100},  {"nist/SHA512ShortMsg.rsp", "MD", 129},
      {"nist/SHA512LongMsg.rsp", "MD", 128},   {"nist/SHA512Monte.rsp", "COUNT", 100},
      {"nist/HMAC.rsp", "Mac", 1575},          {"nist/gcmEncryptExtIV256.rsp", "Tag", 7875},
      {"nist/gcmDecrypt256.rsp", "Tag", 7875}, {"nist/ECBGFSbox256.rsp", "KEY", 10},
      {"nist/ECBKeySbox256.rsp", "KEY", 32},   {"nist/ECBVarKey256.rsp", "KEY", 512},
      {"nist/ECBVarTxt256.rsp", "KEY", 256},   {"nist/ECBMMT256.rsp", "KEY", 20},
      {"nist/ECBMCT256.rsp", "KEY", 200},      {"nist/CBCGFSbox256.rsp", "IV", 10},
      {"nist/CBCKeySbox256.rsp", "IV", 32},    {"nist/CBCVarKey256.rsp", "IV", 512},
      {"nist/CBCVarTxt256.rsp", "IV", 256},    {"nist/CBCMMT256.rsp", "IV", 20},
      {"nist/CBCMCT256.rsp", "IV", 200},       {"rfc/rfc-4231-sha256.txt", "MD", 6},
      {"rfc/rfc-4231-sha512.txt", "MD", 6},    {"rfc/rfc7748.txt", "OUTPUT_U", 3},
  };
  for (const auto& e : files) {
    const auto f = test::rsp::load_external(e.name);
    INFO(e.name << ": " << f.error);
    REQUIRE(f.ok());
    CHECK(f.with_field(e.record_field).size() == e.count);
  }
  // gcmDecrypt256: 3919 records carry the bare FAIL token instead of PT.
  const auto dec = test::rsp::load_external("nist/gcmDecrypt256.rsp");
  REQUIRE(dec.ok());
  std::size_t fail = 0, with_pt = 0;
  for (const auto& r : dec.records) {
    fail += r.has_token("FAIL");
    with_pt += r.has("PT");
    if (r.has("Tag")) CHECK(r.has_token("FAIL") != r.has("PT"));
  }
  CHECK(fail == 3919);
  CHECK(with_pt == 7875 - 3919);
  // Section headers: [IVlen = 96] filters the 96-bit-IV records.
  CHECK(dec.in_section("IVlen", "96").size() == 2625);
  const auto ecb = test::rsp::load_external("nist/ECBVarTxt256.rsp");
  REQUIRE(ecb.ok());
  std::size_t enc = 0;
  for (const auto& r : ecb.records) enc += r.section == "ENCRYPT";
  CHECK(enc == 128);
  // RFC 5869: blank lines inside records, so records start at COUNT.
  const auto hkdf = test::rsp::load_external("rfc/rfc-5869-HKDF-SHA256.txt", {"COUNT"});
  REQUIRE(hkdf.ok());
  REQUIRE(hkdf.records.size() == 3);
  for (const auto& r : hkdf.records) CHECK((r.has("PRK") && r.has("OKM") && r.has("IKM")));
}
