// tests/support/rsp.hpp — reader for line-oriented vector files: NIST CAVP
// .rsp, the pyca RFC files (rfc-4231-*.txt, rfc-5869-*.txt) and the
// repository's own vectors/*.txt.
//
// Grammar (one line at a time; "\r" stripped, surrounding blanks trimmed):
//   # ...           comment: ignored (does not end a record)
//   [NAME = VALUE]  section parameter (also [NAME=VALUE]); [NAME] a bare
//                   section name such as [ENCRYPT]. Consecutive bracket lines
//                   form one header; a bracket line after records starts a new
//                   header (the parameters of the previous one are kept unless
//                   restated, as CAVP files restate all of them).
//   key = value     a field of the current record; value may be empty.
//   TOKEN           a bare word (e.g. FAIL): a flag of the current record.
//   (blank)         ends the current record, unless options.record_key is
//                   set: then records start only at that key (the RFC 5869
//                   file has blank lines inside its records).
// A key that repeats within a record also starts a new record.
// Keys are matched case-insensitively (NIST writes COUNT and Count).
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <e2ee/core/bytes.hpp>

#include "vectors.hpp"

namespace test::rsp {

namespace detail {
inline bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace detail

using field = std::pair<std::string, std::string>;

// record: one block of key = value lines, with the section header in force.
struct record {
  std::size_t line = 0;               // 1-based line of its first field
  std::string section;                // bare section name in force ("ENCRYPT"), or ""
  std::vector<field> params;          // section parameters in force ("L" -> "32")
  std::vector<field> fields;          // in file order
  std::vector<std::string> tokens;    // bare words (FAIL)

  const std::string* find(std::string_view key) const {
    for (const auto& f : fields)
      if (detail::iequal(f.first, key)) return &f.second;
    return nullptr;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // get: the value of `key`, or "" if absent (use has() to tell apart).
  std::string get(std::string_view key) const {
    const auto* v = find(key);
    return v ? *v : std::string();
  }
  bool has_token(std::string_view t) const {
    for (const auto& x : tokens)
      if (detail::iequal(x, t)) return true;
    return false;
  }
  const std::string* param(std::string_view key) const {
    for (const auto& f : params)
      if (detail::iequal(f.first, key)) return &f.second;
    return nullptr;
  }
  // hex: the field decoded from hex; nullopt if absent or not hex.
  std::optional<std::vector<std::uint8_t>> hex(std::string_view key) const {
    const auto* v = find(key);
    if (!v) return std::nullopt;
    return e2ee::from_hex(*v);
  }
  // number: the field as a non-negative decimal; nullopt if absent or not one.
  std::optional<std::uint64_t> number(std::string_view key) const {
    const auto* v = find(key);
    if (!v || v->empty() || v->size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : *v) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }
  std::optional<std::uint64_t> param_number(std::string_view key) const {
    const auto* v = param(key);
    if (!v || v->empty() || v->size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : *v) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }
};

struct options {
  std::string record_key;  // if set: records start only at this key
};

struct file {
  std::string path;
  std::vector<record> records;
  std::string error;  // non-empty: the file could not be read or parsed
  bool ok() const noexcept { return error.empty(); }

  // in_section: the records whose section parameter `key` equals `value`
  // (e.g. "L", "32"), in file order.
  std::vector<const record*> in_section(std::string_view key, std::string_view value) const {
    std::vector<const record*> out;
    for (const auto& r : records) {
      const auto* p = r.param(key);
      if (p && *p == value) out.push_back(&r);
    }
    return out;
  }
  // with_field: the records that have field `key`.
  std::vector<const record*> with_field(std::string_view key) const {
    std::vector<const record*> out;
    for (const auto& r : records)
      if (r.has(key)) out.push_back(&r);
    return out;
  }
};

// parse reads the text of one file; errors (a line that is neither comment,
// header, field nor bare word; an unterminated bracket) go to file::error.
inline file parse(std::string_view text, const options& opt = {}) {
  file out;
  std::string section;
  std::vector<field> params;
  bool header_open = false;  // the last non-blank, non-comment line was a bracket line
  record cur;
  bool cur_open = false;
  std::size_t line_no = 0;

  auto close = [&] {
    if (cur_open) out.records.push_back(std::move(cur));
    cur = record{};
    cur_open = false;
  };
  auto start = [&](std::size_t at) {
    close();
    cur.line = at;
    cur.section = section;
    cur.params = params;
    cur_open = true;
  };

  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = detail::trim(text.substr(pos, end - pos));
    ++line_no;
    pos = end + 1;

    if (line.empty()) {
      if (opt.record_key.empty()) close();
      if (nl == std::string_view::npos) break;
      continue;
    }
    if (line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        out.error = "line " + std::to_string(line_no) + ": unterminated '['";
        return out;
      }
      close();
      if (!header_open) section.clear();
      header_open = true;
      const std::string_view inner = detail::trim(line.substr(1, line.size() - 2));
      const auto eq = inner.find('=');
      if (eq == std::string_view::npos) {
        section = std::string(inner);
      } else {
        std::string key(detail::trim(inner.substr(0, eq)));
        std::string val(detail::trim(inner.substr(eq + 1)));
        bool replaced = false;
        for (auto& p : params)
          if (detail::iequal(p.first, key)) {
            p.second = val;
            replaced = true;
          }
        if (!replaced) params.emplace_back(std::move(key), std::move(val));
      }
      continue;
    }
    header_open = false;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      for (const char c : line)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
          out.error = "line " + std::to_string(line_no) + ": not a field, header or bare word: " +
                      std::string(line);
          return out;
        }
      if (!cur_open) start(line_no);
      cur.tokens.emplace_back(line);
      continue;
    }
    const std::string key(detail::trim(line.substr(0, eq)));
    const std::string val(detail::trim(line.substr(eq + 1)));
    if (key.empty()) {
      out.error = "line " + std::to_string(line_no) + ": empty key";
      return out;
    }
    if (!opt.record_key.empty()) {
      if (detail::iequal(key, opt.record_key)) start(line_no);
      else if (!cur_open) start(line_no);  // fields before the first record key
    } else if (!cur_open || cur.has(key)) {
      start(line_no);
    }
    cur.fields.emplace_back(key, val);
    if (nl == std::string_view::npos) break;
  }
  close();
  return out;
}

// load reads and parses a file; a missing or unreadable file is an error.
inline file load(const std::filesystem::path& p, const options& opt = {}) {
  const auto text = vectors::read_file(p);
  if (!text) {
    file f;
    f.path = p.string();
    f.error = "cannot read " + p.string();
    return f;
  }
  file f = parse(*text, opt);
  f.path = p.string();
  if (!f.ok()) f.error = p.string() + ": " + f.error;
  return f;
}

// load_external / load_own: load from the external or the repository's
// vectors directory (see vectors.hpp).
inline file load_external(std::string_view name, const options& opt = {}) {
  return load(vectors::external(name), opt);
}
inline file load_own(std::string_view name, const options& opt = {}) {
  return load(vectors::own(name), opt);
}

}  // namespace test::rsp
