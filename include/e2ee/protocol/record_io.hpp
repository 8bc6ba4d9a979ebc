// e2ee/protocol/record_io.hpp — the one layout of e2ee's own stored records:
//
//   magic (4 bytes) || format (1) || fields || SHA-256 of everything before it
//
// Integers are little-endian. The checksum catches corruption (not
// tampering: seal records with sealed_storage.hpp for that); the magic keeps
// one kind of record from loading as another; the format byte versions the
// fields. The small fixed-size codecs of sealed_storage.hpp use the same
// layout without the checksum (their exact length is checked instead).
//
// detail::record_writer fills a vector of a given upper-bound size by
// position (one allocation; no insert(), which g++ 12 -O3 misreports as an
// overflow) and cuts it to the written size at the end.
// detail::record_reader checks the frame (length, checksum, magic, format)
// and hands the fields out in order; a read past the end fails the reader
// (and every read after it returns zeros), so a loader checks ok() once per
// group of reads and done() at the end, without a bounds check per field.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../hash/sha256.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {
namespace detail {

inline constexpr std::size_t record_magic_size = 4;
inline constexpr std::size_t record_header_size = record_magic_size + 1;
inline constexpr std::size_t record_checksum_size = sha256::digest_size;

using record_magic = std::array<std::uint8_t, record_magic_size>;

// make_record_magic("e2sk"): the four bytes of a string literal's magic.
constexpr record_magic make_record_magic(const char (&m)[record_magic_size + 1]) noexcept {
  return {static_cast<std::uint8_t>(m[0]), static_cast<std::uint8_t>(m[1]), static_cast<std::uint8_t>(m[2]),
          static_cast<std::uint8_t>(m[3])};
}

class record_writer {
 public:
  // field_bytes: an upper bound of the bytes put() after the header (the
  // checksum's room is added here). Writing more is safe (the vector grows)
  // but costs a reallocation.
  record_writer(std::span<const std::uint8_t, record_magic_size> magic, std::uint8_t format, std::size_t field_bytes)
      : out_(record_header_size + field_bytes + record_checksum_size) {
    std::copy(magic.begin(), magic.end(), out_.begin());
    out_[record_magic_size] = format;
    pos_ = record_header_size;
  }

  void put(std::span<const std::uint8_t> b) {
    std::copy(b.begin(), b.end(), room(b.size()));
    pos_ += b.size();
  }
  void put8(std::uint8_t v) {
    *room(1) = v;
    ++pos_;
  }
  void put16(std::uint16_t v) {
    const auto at = room(2);
    at[0] = static_cast<std::uint8_t>(v);
    at[1] = static_cast<std::uint8_t>(v >> 8);
    pos_ += 2;
  }
  void put32(std::uint32_t v) {
    room(4);
    store_le32(out_.data() + pos_, v);
    pos_ += 4;
  }
  void put64(std::uint64_t v) {
    put32(static_cast<std::uint32_t>(v));
    put32(static_cast<std::uint32_t>(v >> 32));
  }
  // next<N>: the next N bytes of the record, for a field that writes itself
  // (e.g. a message key's write()).
  template <std::size_t N>
  std::span<std::uint8_t, N> next() {
    const auto at = room(N);
    pos_ += N;
    return std::span<std::uint8_t, N>(&*at, N);
  }

  std::size_t size() const noexcept { return pos_; }

  // finish: the record with its SHA-256 checksum appended.
  std::vector<std::uint8_t> finish() {
    const auto sum = sha256::hash(std::span<const std::uint8_t>(out_).first(pos_));
    put(sum);
    out_.resize(pos_);
    return std::move(out_);
  }
  // finish_plain: the record without a checksum.
  std::vector<std::uint8_t> finish_plain() {
    out_.resize(pos_);
    return std::move(out_);
  }

 private:
  std::vector<std::uint8_t>::iterator room(std::size_t n) {
    if (n > out_.size() - pos_) out_.resize(pos_ + n + record_checksum_size);
    return out_.begin() + static_cast<std::ptrdiff_t>(pos_);
  }

  std::vector<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

class record_reader {
 public:
  // open: a checksummed record. error::invalid_message if it is shorter than
  // header and checksum, the checksum is wrong or the magic is another
  // record's; error::invalid_version for another format.
  static result<record_reader> open(std::span<const std::uint8_t> in,
                                    std::span<const std::uint8_t, record_magic_size> magic,
                                    std::uint8_t format) noexcept {
    return open(in, magic, format, format);
  }
  // open: as above for a record of any format from `oldest` to `newest`
  // (a loader that still reads older formats; format() tells which).
  static result<record_reader> open(std::span<const std::uint8_t> in,
                                    std::span<const std::uint8_t, record_magic_size> magic, std::uint8_t oldest,
                                    std::uint8_t newest) noexcept {
    if (in.size() < record_header_size + record_checksum_size) return error::invalid_message;
    const auto body = in.first(in.size() - record_checksum_size);
    const auto sum = sha256::hash(body);
    if (!std::equal(sum.begin(), sum.end(), in.end() - record_checksum_size)) return error::invalid_message;
    return open_frame(body, magic, oldest, newest);
  }

  // open_plain: a record without a checksum (the fields run to the end).
  static result<record_reader> open_plain(std::span<const std::uint8_t> in,
                                          std::span<const std::uint8_t, record_magic_size> magic,
                                          std::uint8_t format) noexcept {
    if (in.size() < record_header_size) return error::invalid_message;
    return open_frame(in, magic, format, format);
  }

  std::uint8_t format() const noexcept { return body_[record_magic_size]; }
  bool ok() const noexcept { return ok_; }
  // done: every read succeeded and every byte was read.
  bool done() const noexcept { return ok_ && pos_ == body_.size(); }
  std::size_t remaining() const noexcept { return ok_ ? body_.size() - pos_ : 0; }
  void fail() noexcept { ok_ = false; }

  // take: the next n bytes (empty, and the reader failed, if fewer remain).
  std::span<const std::uint8_t> take(std::size_t n) noexcept {
    if (!ok_ || n > body_.size() - pos_) {
      ok_ = false;
      return {};
    }
    const auto s = body_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  template <std::size_t N>
  std::span<const std::uint8_t, N> take() noexcept {
    static constexpr std::array<std::uint8_t, N> zeros{};
    const auto s = take(N);
    return ok_ ? s.template first<N>() : std::span<const std::uint8_t, N>(zeros);
  }
  template <std::size_t N>
  void take_into(std::array<std::uint8_t, N>& out) noexcept {
    const auto s = take<N>();
    std::copy(s.begin(), s.end(), out.begin());
  }
  std::uint8_t take8() noexcept {
    const auto s = take(1);
    return ok_ ? s[0] : 0;
  }
  std::uint16_t take16() noexcept {
    const auto s = take(2);
    return ok_ ? static_cast<std::uint16_t>(s[0] | (s[1] << 8)) : 0;
  }
  std::uint32_t take32() noexcept {
    const auto s = take(4);
    return ok_ ? load_le32(s.data()) : 0;
  }
  std::uint64_t take64() noexcept {
    const std::uint64_t lo = take32();
    return lo | (std::uint64_t{take32()} << 32);
  }

 private:
  explicit record_reader(std::span<const std::uint8_t> body) noexcept : body_(body), pos_(record_header_size) {}

  static result<record_reader> open_frame(std::span<const std::uint8_t> body,
                                          std::span<const std::uint8_t, record_magic_size> magic,
                                          std::uint8_t oldest, std::uint8_t newest) noexcept {
    if (!std::equal(magic.begin(), magic.end(), body.begin())) return error::invalid_message;
    if (body[record_magic_size] < oldest || body[record_magic_size] > newest) return error::invalid_version;
    return record_reader(body);
  }

  std::span<const std::uint8_t> body_;
  std::size_t pos_;
  bool ok_ = true;
};

}  // namespace detail
}  // namespace protocol
E2EE_NAMESPACE_END
