// e2ee/protocol/wire.hpp — the strict subset of the protobuf wire format that
// Signal's messages and our session records use: varint (wire type 0) and
// length-delimited (wire type 2) fields.
//
// The reader treats its input as hostile. Every malformed encoding is an
// error and never an over-read:
// - a truncated varint, tag or length-delimited field;
// - an overlong varint: more than 10 bytes, a 10th byte above 1, or a
//   non-minimal encoding that ends in a 0x00 continuation byte;
// - field number 0, and the group wire types 3 and 4;
// - a value that does not fit the field's declared width.
// Fixed-width fields (wire types 1 and 5) and unknown field numbers are
// skipped, so newer peers can add fields. The per-message parsers in
// messages.hpp also reject a known field that appears twice or has the wrong
// wire type.
//
// The writer appends to a caller-owned std::vector. Callers that care about
// allocation reserve the exact size first: encoded_size() gives it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/config.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol::wire {

enum class wire_type : std::uint8_t { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };

inline constexpr std::uint32_t max_field_number = (std::uint32_t{1} << 29) - 1;

// varint_size: how many bytes the varint encoding of v takes (1..10).
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Sizes of whole fields, tag included, for reserving output exactly.
constexpr std::size_t varint_field_size(std::uint32_t field, std::uint64_t v) noexcept {
  return varint_size(std::uint64_t{field} << 3) + varint_size(v);
}
constexpr std::size_t bytes_field_size(std::uint32_t field, std::size_t len) noexcept {
  return varint_size(std::uint64_t{field} << 3) + varint_size(len) + len;
}

class writer {
 public:
  explicit writer(std::vector<std::uint8_t>& out) noexcept : out_(out) {}

  void raw(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void byte(std::uint8_t b) { out_.push_back(b); }

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void tag(std::uint32_t field, wire_type t) {
    varint((std::uint64_t{field} << 3) | static_cast<std::uint64_t>(t));
  }
  void varint_field(std::uint32_t field, std::uint64_t v) {
    tag(field, wire_type::varint);
    varint(v);
  }
  void bytes_field(std::uint32_t field, std::span<const std::uint8_t> b) {
    tag(field, wire_type::bytes);
    varint(b.size());
    raw(b);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

// field: one decoded field. For varint fields `value` holds the number and
// `bytes` is empty; for length-delimited fields `bytes` views the input (no
// copy) and `value` is its length. Skipped fixed-width fields are reported
// with their raw bytes, so callers can reject them if they are known.
struct field {
  std::uint32_t number = 0;
  wire_type type = wire_type::varint;
  std::uint64_t value = 0;
  std::span<const std::uint8_t> bytes{};
};

class reader {
 public:
  constexpr explicit reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

  constexpr bool done() const noexcept { return pos_ == in_.size(); }

  // next: decodes the next field into f. false on malformed input; the reader
  // then stays at the failing position and every later call fails too.
  constexpr bool next(field& f) noexcept {
    if (failed_ || done()) return fail();
    std::uint64_t key = 0;
    if (!read_varint(key)) return fail();
    const std::uint64_t number = key >> 3;
    if (number == 0 || number > max_field_number) return fail();
    f.number = static_cast<std::uint32_t>(number);
    f.value = 0;
    f.bytes = {};
    switch (key & 7) {
      case 0:
        f.type = wire_type::varint;
        return read_varint(f.value) || fail();
      case 1:
        f.type = wire_type::fixed64;
        return take(8, f.bytes) || fail();
      case 2: {
        f.type = wire_type::bytes;
        std::uint64_t len = 0;
        if (!read_varint(len) || len > in_.size() - pos_) return fail();
        f.value = len;
        return take(static_cast<std::size_t>(len), f.bytes) || fail();
      }
      case 5:
        f.type = wire_type::fixed32;
        return take(4, f.bytes) || fail();
      default:  // 3, 4: groups; 6, 7: undefined
        return fail();
    }
  }

  constexpr bool failed() const noexcept { return failed_; }

 private:
  constexpr bool fail() noexcept {
    failed_ = true;
    return false;
  }

  constexpr bool read_varint(std::uint64_t& v) noexcept {
    v = 0;
    for (unsigned i = 0; i < 10; ++i) {
      if (pos_ == in_.size()) return false;  // truncated
      const std::uint8_t b = in_[pos_++];
      if (i == 9 && b > 1) return false;  // does not fit 64 bits
      v |= std::uint64_t{b & 0x7fu} << (7 * i);
      if ((b & 0x80) == 0) return !(i > 0 && b == 0);  // non-minimal encoding
    }
    return false;  // more than 10 bytes
  }

  constexpr bool take(std::size_t n, std::span<const std::uint8_t>& out) noexcept {
    if (n > in_.size() - pos_) return false;
    out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace protocol::wire
E2EE_NAMESPACE_END
