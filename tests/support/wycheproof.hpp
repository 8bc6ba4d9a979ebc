// tests/support/wycheproof.hpp — loaders for Project Wycheproof v1 JSON files
// (testvectors_v1; schemas in shared/vectors/wycheproof/schemas).
//
//   const auto suite = test::wycheproof::load_mac("hmac_sha256_test.json");
//   REQUIRE(suite.ok());                                    // else suite.error says why
//   REQUIRE(suite.tests.size() == suite.declared_count);    // every case loaded
//
// Every test has the common fields (tcId, comment, flags, result). A typed
// loader adds the schema's fields, hex already decoded; a test group's
// parameters (keySize, tagSize, ...) are copied into each test. A missing or
// malformed field makes the whole load fail with a message naming the tcId:
// a broken file fails the test, it is never silently shortened.
//
// New schemas: write a struct deriving from `common` and a function
// `std::string parse(const json::value& group, const json::value& test, T& out)`
// (empty string = ok), then `load<T>(file, "GroupType", parse)`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <e2ee/core/bytes.hpp>

#include "json.hpp"
#include "vectors.hpp"

namespace test::wycheproof {

using bytes = std::vector<std::uint8_t>;

enum class result : std::uint8_t { valid, invalid, acceptable };

inline std::string_view to_string(result r) noexcept {
  switch (r) {
    case result::valid: return "valid";
    case result::invalid: return "invalid";
    case result::acceptable: return "acceptable";
  }
  return "?";
}

// common: the fields every Wycheproof test carries.
struct common {
  std::int64_t id = 0;  // tcId
  std::string comment;
  std::vector<std::string> flags;
  result expect = result::invalid;

  bool has_flag(std::string_view f) const {
    for (const auto& x : flags)
      if (x == f) return true;
    return false;
  }
  bool valid() const noexcept { return expect == result::valid; }
  bool invalid() const noexcept { return expect == result::invalid; }
  bool acceptable() const noexcept { return expect == result::acceptable; }
};

// suite<T>: one file. declared_count is the file's numberOfTests.
template <class T>
struct suite {
  std::string path;
  std::string algorithm;
  std::string schema;
  std::size_t declared_count = 0;
  std::vector<T> tests;
  std::string error;  // non-empty: unreadable or malformed file
  bool ok() const noexcept { return error.empty(); }
};

// ---- field helpers: return an error message, empty on success ----

namespace detail {

inline std::string get_hex(const json::value& obj, std::string_view key, bytes& out) {
  const auto* v = obj.find(key);
  if (!v) return "missing field \"" + std::string(key) + "\"";
  const auto* s = v->as_string();
  if (!s) return "field \"" + std::string(key) + "\" is not a string";
  auto b = e2ee::from_hex(*s);
  if (!b) return "field \"" + std::string(key) + "\" is not hex";
  out = std::move(*b);
  return {};
}
inline std::string get_string(const json::value& obj, std::string_view key, std::string& out) {
  const auto* v = obj.find(key);
  if (!v) return "missing field \"" + std::string(key) + "\"";
  const auto* s = v->as_string();
  if (!s) return "field \"" + std::string(key) + "\" is not a string";
  out = *s;
  return {};
}
inline std::string get_size(const json::value& obj, std::string_view key, std::size_t& out) {
  const auto* v = obj.find(key);
  if (!v) return "missing field \"" + std::string(key) + "\"";
  const auto n = v->as_int();
  if (!n || *n < 0) return "field \"" + std::string(key) + "\" is not a non-negative integer";
  out = static_cast<std::size_t>(*n);
  return {};
}
inline std::string parse_common(const json::value& t, common& c) {
  const auto* id = t.find("tcId");
  if (!id || !id->as_int()) return "missing or non-integer tcId";
  c.id = *id->as_int();
  std::string err = get_string(t, "comment", c.comment);
  if (!err.empty()) return err;
  const auto* flags = t.find("flags");
  if (!flags || !flags->as_array()) return "missing or non-array flags";
  for (const auto& f : *flags->as_array()) {
    if (!f.as_string()) return "non-string flag";
    c.flags.push_back(*f.as_string());
  }
  std::string r;
  err = get_string(t, "result", r);
  if (!err.empty()) return err;
  if (r == "valid") {
    c.expect = result::valid;
  } else if (r == "invalid") {
    c.expect = result::invalid;
  } else if (r == "acceptable") {
    c.expect = result::acceptable;
  } else {
    return "unknown result \"" + r + "\"";
  }
  return {};
}

}  // namespace detail

// load<T>: reads `path`, checks every group is of `group_type`, and parses
// each test with parse_common then `parse_fields(group, test, out)`.
template <class T>
suite<T> load(const std::filesystem::path& path, std::string_view group_type,
              const std::function<std::string(const json::value&, const json::value&, T&)>& parse_fields) {
  suite<T> s;
  s.path = path.string();
  const auto text = vectors::read_file(path);
  if (!text) {
    s.error = "cannot read " + s.path;
    return s;
  }
  const auto parsed = json::parse(*text);
  if (!parsed.ok()) {
    s.error = s.path + ": " + parsed.error;
    return s;
  }
  const json::value& root = *parsed.root;
  auto fail = [&](const std::string& why) {
    s.error = s.path + ": " + why;
    s.tests.clear();
    return s;
  };
  if (!root.is_object()) return fail("top level is not an object");
  std::string err = detail::get_string(root, "algorithm", s.algorithm);
  if (err.empty()) err = detail::get_string(root, "schema", s.schema);
  if (err.empty()) err = detail::get_size(root, "numberOfTests", s.declared_count);
  if (!err.empty()) return fail(err);
  const auto* groups = root.find("testGroups");
  if (!groups || !groups->as_array()) return fail("missing testGroups array");
  for (const auto& g : *groups->as_array()) {
    std::string type;
    err = detail::get_string(g, "type", type);
    if (!err.empty()) return fail("test group: " + err);
    if (type != group_type)
      return fail("test group of type \"" + type + "\", expected \"" + std::string(group_type) + "\"");
    const auto* tests = g.find("tests");
    if (!tests || !tests->as_array()) return fail("test group without tests array");
    for (const auto& t : *tests->as_array()) {
      T out;
      err = detail::parse_common(t, out);
      if (err.empty()) err = parse_fields(g, t, out);
      if (!err.empty()) {
        const auto* id = t.find("tcId");
        const auto* idtext = id ? id->number_text() : nullptr;
        return fail("tcId " + (idtext ? *idtext : std::string("?")) + ": " + err);
      }
      s.tests.push_back(std::move(out));
    }
  }
  return s;
}

// ---- MacTest (mac_test_schema_v1): hmac_sha256/512 ----
struct mac_test : common {
  std::size_t key_size_bits = 0, tag_size_bits = 0;  // group parameters
  bytes key, msg, tag;                               // tag truncated to tag_size_bits
};
inline std::string parse_mac(const json::value& g, const json::value& t, mac_test& out) {
  std::string e = detail::get_size(g, "keySize", out.key_size_bits);
  if (e.empty()) e = detail::get_size(g, "tagSize", out.tag_size_bits);
  if (e.empty()) e = detail::get_hex(t, "key", out.key);
  if (e.empty()) e = detail::get_hex(t, "msg", out.msg);
  if (e.empty()) e = detail::get_hex(t, "tag", out.tag);
  return e;
}
inline suite<mac_test> load_mac(std::string_view file) {
  return load<mac_test>(vectors::external("wycheproof/" + std::string(file)), "MacTest", parse_mac);
}

// ---- HkdfTest (hkdf_test_schema_v1): hkdf_sha256/512 ----
struct hkdf_test : common {
  std::size_t key_size_bits = 0;  // group parameter (ikm size)
  bytes ikm, salt, info, okm;
  std::size_t size = 0;  // requested output size in bytes
};
inline std::string parse_hkdf(const json::value& g, const json::value& t, hkdf_test& out) {
  std::string e = detail::get_size(g, "keySize", out.key_size_bits);
  if (e.empty()) e = detail::get_hex(t, "ikm", out.ikm);
  if (e.empty()) e = detail::get_hex(t, "salt", out.salt);
  if (e.empty()) e = detail::get_hex(t, "info", out.info);
  if (e.empty()) e = detail::get_size(t, "size", out.size);
  if (e.empty()) e = detail::get_hex(t, "okm", out.okm);
  return e;
}
inline suite<hkdf_test> load_hkdf(std::string_view file) {
  return load<hkdf_test>(vectors::external("wycheproof/" + std::string(file)), "HkdfTest", parse_hkdf);
}

// ---- AeadTest (aead_test_schema_v1): aes_gcm ----
struct aead_test : common {
  std::size_t key_size_bits = 0, iv_size_bits = 0, tag_size_bits = 0;
  bytes key, iv, aad, msg, ct, tag;
};
inline std::string parse_aead(const json::value& g, const json::value& t, aead_test& out) {
  std::string e = detail::get_size(g, "keySize", out.key_size_bits);
  if (e.empty()) e = detail::get_size(g, "ivSize", out.iv_size_bits);
  if (e.empty()) e = detail::get_size(g, "tagSize", out.tag_size_bits);
  if (e.empty()) e = detail::get_hex(t, "key", out.key);
  if (e.empty()) e = detail::get_hex(t, "iv", out.iv);
  if (e.empty()) e = detail::get_hex(t, "aad", out.aad);
  if (e.empty()) e = detail::get_hex(t, "msg", out.msg);
  if (e.empty()) e = detail::get_hex(t, "ct", out.ct);
  if (e.empty()) e = detail::get_hex(t, "tag", out.tag);
  return e;
}
inline suite<aead_test> load_aead(std::string_view file) {
  return load<aead_test>(vectors::external("wycheproof/" + std::string(file)), "AeadTest", parse_aead);
}

// ---- IndCpaTest (ind_cpa_test_schema_v1): aes_cbc_pkcs5 ----
struct ind_cpa_test : common {
  std::size_t key_size_bits = 0, iv_size_bits = 0;
  bytes key, iv, msg, ct;
};
inline std::string parse_ind_cpa(const json::value& g, const json::value& t, ind_cpa_test& out) {
  std::string e = detail::get_size(g, "keySize", out.key_size_bits);
  if (e.empty()) e = detail::get_size(g, "ivSize", out.iv_size_bits);
  if (e.empty()) e = detail::get_hex(t, "key", out.key);
  if (e.empty()) e = detail::get_hex(t, "iv", out.iv);
  if (e.empty()) e = detail::get_hex(t, "msg", out.msg);
  if (e.empty()) e = detail::get_hex(t, "ct", out.ct);
  return e;
}
inline suite<ind_cpa_test> load_ind_cpa(std::string_view file) {
  return load<ind_cpa_test>(vectors::external("wycheproof/" + std::string(file)), "IndCpaTest",
                            parse_ind_cpa);
}

// ---- XdhComp (xdh_comp_schema_v1): x25519 ----
struct xdh_test : common {
  std::string curve;  // group parameter
  bytes private_key, public_key, shared;
};
inline std::string parse_xdh(const json::value& g, const json::value& t, xdh_test& out) {
  std::string e = detail::get_string(g, "curve", out.curve);
  if (e.empty()) e = detail::get_hex(t, "private", out.private_key);
  if (e.empty()) e = detail::get_hex(t, "public", out.public_key);
  if (e.empty()) e = detail::get_hex(t, "shared", out.shared);
  return e;
}
inline suite<xdh_test> load_xdh(std::string_view file) {
  return load<xdh_test>(vectors::external("wycheproof/" + std::string(file)), "XdhComp", parse_xdh);
}

// ---- EddsaVerify (eddsa_verify_schema_v1): ed25519 ----
struct eddsa_verify_test : common {
  bytes public_key;  // group publicKey.pk (raw)
  bytes msg, sig;
};
inline std::string parse_eddsa_verify(const json::value& g, const json::value& t,
                                      eddsa_verify_test& out) {
  const auto* pk = g.find("publicKey");
  if (!pk || !pk->is_object()) return "group without publicKey object";
  std::string e = detail::get_hex(*pk, "pk", out.public_key);
  if (e.empty()) e = detail::get_hex(t, "msg", out.msg);
  if (e.empty()) e = detail::get_hex(t, "sig", out.sig);
  return e;
}
inline suite<eddsa_verify_test> load_eddsa_verify(std::string_view file) {
  return load<eddsa_verify_test>(vectors::external("wycheproof/" + std::string(file)), "EddsaVerify",
                                 parse_eddsa_verify);
}

}  // namespace test::wycheproof
