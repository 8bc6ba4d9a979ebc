// tests/support/json.hpp — a small, strict JSON reader (RFC 8259) for test
// vector files such as Project Wycheproof's.
//
// It accepts exactly RFC 8259 text: objects, arrays, strings (all escapes,
// \uXXXX with surrogate pairs, decoded to UTF-8), numbers, true, false, null.
// It rejects trailing commas, leading zeros, control characters in strings,
// lone surrogates, trailing garbage and nesting deeper than max_depth. Errors
// come back as text with line and column; malformed input never crashes.
// Duplicate object keys are rejected too (no vector file should have any).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace test::json {

class value;
struct member;
using array = std::vector<value>;
using object = std::vector<member>;

enum class kind : std::uint8_t { null, boolean, number, string, array_kind, object_kind };

// value is one JSON value. Accessors return nullptr / nullopt when the value
// is of another kind, so a test can check a field and report what is wrong.
class value {
 public:
  value() = default;

  kind type() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == kind::null; }
  bool is_bool() const noexcept { return kind_ == kind::boolean; }
  bool is_number() const noexcept { return kind_ == kind::number; }
  bool is_string() const noexcept { return kind_ == kind::string; }
  bool is_array() const noexcept { return kind_ == kind::array_kind; }
  bool is_object() const noexcept { return kind_ == kind::object_kind; }

  std::optional<bool> as_bool() const {
    if (!is_bool()) return std::nullopt;
    return bool_;
  }
  // as_string: the decoded string, or nullptr if this is not a string.
  const std::string* as_string() const { return is_string() ? &text_ : nullptr; }
  // number_text: the number exactly as written, or nullptr.
  const std::string* number_text() const { return is_number() ? &text_ : nullptr; }
  // as_int: the number if it is an integer written without fraction or
  // exponent and fits in int64; else nullopt.
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_double() const;
  const array* as_array() const { return is_array() ? &array_ : nullptr; }
  const object* as_object() const { return is_object() ? &object_ : nullptr; }

  // find: the member `key` of an object, or nullptr (also for non-objects).
  const value* find(std::string_view key) const;

  // Builders used by the parser (defined below, once member is complete).
  static value make_null();
  static value make_bool(bool b);
  static value make_number(std::string text);
  static value make_string(std::string s);
  static value make_array(array a);
  static value make_object(object o);

 private:
  kind kind_ = kind::null;
  bool bool_ = false;
  std::string text_;  // string contents, or the number's text
  array array_;
  object object_;
};

struct member {
  std::string key;
  value val;
};

inline value value::make_null() { return value(); }
inline value value::make_bool(bool b) {
  value v;
  v.kind_ = kind::boolean;
  v.bool_ = b;
  return v;
}
inline value value::make_number(std::string text) {
  value v;
  v.kind_ = kind::number;
  v.text_ = std::move(text);
  return v;
}
inline value value::make_string(std::string s) {
  value v;
  v.kind_ = kind::string;
  v.text_ = std::move(s);
  return v;
}
inline value value::make_array(array a) {
  value v;
  v.kind_ = kind::array_kind;
  v.array_ = std::move(a);
  return v;
}
inline value value::make_object(object o) {
  value v;
  v.kind_ = kind::object_kind;
  v.object_ = std::move(o);
  return v;
}
inline const value* value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& m : object_)
    if (m.key == key) return &m.val;
  return nullptr;
}
inline std::optional<std::int64_t> value::as_int() const {
  if (!is_number()) return std::nullopt;
  std::size_t i = 0;
  const bool neg = !text_.empty() && text_[0] == '-';
  if (neg) i = 1;
  if (i >= text_.size()) return std::nullopt;
  std::uint64_t acc = 0;
  const std::uint64_t limit = neg ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  for (; i < text_.size(); ++i) {
    const char c = text_[i];
    if (c < '0' || c > '9') return std::nullopt;  // fraction or exponent
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (acc > (limit - d) / 10) return std::nullopt;
    acc = acc * 10 + d;
  }
  if (neg) return acc == (std::uint64_t{1} << 63) ? INT64_MIN : -static_cast<std::int64_t>(acc);
  return static_cast<std::int64_t>(acc);
}
inline std::optional<double> value::as_double() const {
  if (!is_number()) return std::nullopt;
  return std::strtod(text_.c_str(), nullptr);  // text was validated by the parser
}

// parse_result: either a value or an error message ("line L, column C: ...").
struct parse_result {
  std::optional<value> root;
  std::string error;
  bool ok() const noexcept { return root.has_value(); }
};

namespace detail {

class parser {
 public:
  static constexpr int max_depth = 200;

  explicit parser(std::string_view text) : s_(text) {}

  parse_result run() {
    parse_result r;
    skip_ws();
    value v;
    if (!parse_value(v, 0)) {
      r.error = error_;
      return r;
    }
    skip_ws();
    if (pos_ != s_.size()) {
      fail("trailing characters after the JSON value");
      r.error = error_;
      return r;
    }
    r.root = std::move(v);
    return r;
  }

 private:
  bool fail(std::string_view what) {
    if (error_.empty()) {
      std::size_t line = 1, col = 1;
      for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) {
        if (s_[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      error_ = "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
               std::string(what);
    }
    return false;
  }
  bool at_end() const noexcept { return pos_ >= s_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : s_[pos_]; }
  void skip_ws() noexcept {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool parse_value(value& out, int depth) {
    if (depth > max_depth) return fail("nesting too deep");
    if (at_end()) return fail("unexpected end of input");
    switch (peek()) {
      case '{': return parse_object(out, depth + 1);
      case '[': return parse_array(out, depth + 1);
      case '"': {
        std::string str;
        if (!parse_string(str)) return false;
        out = value::make_string(std::move(str));
        return true;
      }
      case 't':
        if (!literal("true")) return false;
        out = value::make_bool(true);
        return true;
      case 'f':
        if (!literal("false")) return false;
        out = value::make_bool(false);
        return true;
      case 'n':
        if (!literal("null")) return false;
        out = value::make_null();
        return true;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number(out);
        return fail("unexpected character");
    }
  }

  bool parse_object(value& out, int depth) {
    ++pos_;  // '{'
    object members;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      out = value::make_object(std::move(members));
      return true;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') return fail("expected a string key");
      std::string key;
      if (!parse_string(key)) return false;
      for (const auto& m : members)
        if (m.key == key) return fail("duplicate key \"" + key + "\"");
      skip_ws();
      if (peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      value v;
      if (!parse_value(v, depth)) return false;
      members.push_back(member{std::move(key), std::move(v)});
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        out = value::make_object(std::move(members));
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parse_array(value& out, int depth) {
    ++pos_;  // '['
    array items;
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      out = value::make_array(std::move(items));
      return true;
    }
    for (;;) {
      skip_ws();
      value v;
      if (!parse_value(v, depth)) return false;
      items.push_back(std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        out = value::make_array(std::move(items));
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool parse_number(value& out) {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      return fail("invalid number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return fail("invalid number: digit expected after '.'");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return fail("invalid number: digit expected in exponent");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() >= '0' && peek() <= '9') return fail("invalid number: leading zero");
    out = value::make_number(std::string(s_.substr(start, pos_ - start)));
    return true;
  }

  bool hex4(std::uint32_t& v) {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) return fail("unexpected end of input in \\u escape");
      const char c = s_[pos_++];
      std::uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return fail("invalid \\u escape");
      }
      v = (v << 4) | d;
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += c;  // UTF-8 bytes pass through unchanged
        continue;
      }
      if (at_end()) return fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (s_.substr(pos_, 2) != "\\u") return fail("high surrogate without low surrogate");
            pos_ += 2;
            std::uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) return fail("invalid low surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return fail("lone low surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: return fail("invalid escape character");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace detail

// parse reads one JSON text (RFC 8259). Never throws for malformed input
// (only std::bad_alloc can escape).
inline parse_result parse(std::string_view text) { return detail::parser(text).run(); }

}  // namespace test::json
