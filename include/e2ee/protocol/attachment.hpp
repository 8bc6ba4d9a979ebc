// e2ee/protocol/attachment.hpp — encrypting attachments (photos, videos,
// files) in constant memory, in two formats:
//
// 1. Signal's attachment format (the signal_v3 suite):
//      key  = aes_key(32) || mac_key(32)                      (64 random bytes)
//      blob = iv(16) || AES-256-CBC-PKCS7(plaintext || zero padding)
//             || HMAC-SHA256(mac_key, iv || ciphertext)(32)
//      digest = SHA-256(blob)
//    The plaintext is padded with zeros to padded_attachment_size(size)
//    (Signal's buckets: max(541, floor(1.05^ceil(log_1.05(size))))), so the
//    blob's length reveals only the bucket. The sender puts key, digest and
//    the true size in the attachment pointer it sends over the session; the
//    receiver checks the MAC and the digest and drops the padding.
//    attachment_encryptor / attachment_decryptor.
//
// 2. A chunked AES-256-GCM format (the modern suite), a STREAM-style
//    construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015):
//      header = version || salt(16)
//      chunk_key = HKDF-SHA256(salt, key, "e2ee chunked attachment v1", 32)
//      chunk i  = AES-256-GCM(chunk_key, nonce = be64(i) || be32(last),
//                             aad = header, up to 65,536 content bytes) || tag(16)
//    The content is cut into chunks: every chunk but the last holds exactly
//    65,536 bytes; the last one, with last = 1, holds the rest (1 to 65,536
//    bytes; 0 only for an empty unpadded attachment). Two versions:
//    - 0x02, padded (chunked_attachment_encryptor(key, salt, plaintext_size)):
//        content = be64(plaintext_size) || plaintext || zeros,
//      8 + padded_attachment_size(plaintext_size) bytes long: Signal's
//      buckets, so the stream's length reveals the bucket and not the size
//      (chunked_attachment_size(size, true)). The decryptor reads the size
//      from the (authenticated) first chunk, releases exactly that many
//      bytes, and finish() checks that the content has exactly the bucket's
//      length and that every padding byte is zero (error::invalid_message).
//    - 0x01, unpadded (chunked_attachment_encryptor(key, salt)): content =
//      plaintext. For a stream whose size is not known when it starts (a
//      recording); its length reveals the size.
//    A reordered or altered chunk fails its tag; a stream cut at a chunk
//    boundary or extended after the last chunk fails too, because the flag is
//    bound into each nonce; the version is bound in by the header. The salt
//    is random per attachment, so even a reused key gives unrelated chunk
//    keys. chunked_attachment_encryptor / chunked_attachment_decryptor.
//
// Both encryptors and decryptors take the data in pieces of any size
// (update) and keep at most one chunk (64 KiB) or a few blocks in memory.
//
// Releasing plaintext before the end. The chunked decryptor releases a
// chunk only after its tag verified: what it releases is authentic and in
// order, but the stream may still turn out truncated, which finish() reports.
// The Signal-format decryptor cannot check the MAC before the last byte: the
// plaintext update() writes is UNVERIFIED until finish() succeeds. Write it
// to a temporary file and discard it on failure, or verify the whole blob
// first with attachment_verifier (a first pass that only MACs and hashes),
// as Signal's apps do. On failure every decryptor refuses further
// calls (error::invalid_state).
#pragma once

#include <algorithm>
#include <array>
#if !defined(__GNUC__)  // GCC and Clang: the compiler's builtins (see padded_attachment_size)
#include <cmath>
#endif
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../aead/aes_gcm.hpp"
#include "../cipher/cbc.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "../hash/sha256.hpp"
#include "../kdf/hkdf.hpp"
#include "../mac/hmac.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

// padding_math: log, pow, ceil and floor of double for padded_attachment_size.
namespace detail {
struct padding_math {
#if defined(__GNUC__)
  static double log(double x) noexcept { return __builtin_log(x); }
  static double pow(double x, double y) noexcept { return __builtin_pow(x, y); }
  static double ceil(double x) noexcept { return __builtin_ceil(x); }
  static double floor(double x) noexcept { return __builtin_floor(x); }
#else
  static double log(double x) noexcept { return std::log(x); }
  static double pow(double x, double y) noexcept { return std::pow(x, y); }
  static double ceil(double x) noexcept { return std::ceil(x); }
  static double floor(double x) noexcept { return std::floor(x); }
#endif
};
}  // namespace detail

// padded_attachment_size: Signal's padding bucket for a plaintext of `size`
// bytes, computed as Signal's apps compute it, in doubles:
// max(541, floor(1.05^ceil(log(size) / log(1.05)))), the smallest power of
// 1.05 not below size (never below size itself).
// (With GCC and Clang, through their builtins, which call the same libm
// functions as std::log and std::pow, so that this header needs no <cmath>.)
inline std::uint64_t padded_attachment_size(std::uint64_t size) noexcept {
  using m = detail::padding_math;
  if (size <= 541) return 541;
  const double k = m::ceil(m::log(static_cast<double>(size)) / m::log(1.05));
  const double bucket = m::floor(m::pow(1.05, k));
  if (!(bucket < 18446744073709549568.0)) return size;  // beyond 64 bits: no padding
  const auto b = static_cast<std::uint64_t>(bucket);
  return b < size ? size : b;
}

// ---- Signal's format ----------------------------------------------------------

inline constexpr std::size_t attachment_key_size = 64;
inline constexpr std::size_t attachment_iv_size = 16;
inline constexpr std::size_t attachment_mac_size = 32;
using attachment_digest = std::array<std::uint8_t, 32>;

// attachment_blob_size: the blob's length for a plaintext of `size` bytes
// (padded as Signal pads when `pad`).
inline std::uint64_t attachment_blob_size(std::uint64_t size, bool pad = true) noexcept {
  const std::uint64_t padded = pad ? padded_attachment_size(size) : size;
  return attachment_iv_size + (padded / 16 + 1) * 16 + attachment_mac_size;
}

// attachment_encryptor: Signal's format. Give it exactly `plaintext_size`
// bytes through update(), then call finish() until done(). The IV must be
// random (16 bytes from the OS random source).
class attachment_encryptor {
 public:
  // update() writes at most in.size() + max_overhead bytes.
  static constexpr std::size_t max_overhead = attachment_iv_size + 16;
  // finish() needs at least min_finish_output bytes of room per call.
  static constexpr std::size_t min_finish_output = 64;

  attachment_encryptor(std::span<const std::uint8_t, attachment_key_size> key,
                       std::span<const std::uint8_t, attachment_iv_size> iv, std::uint64_t plaintext_size,
                       bool pad = true) noexcept
      : cbc_(key.first<32>(), iv),
        mac_(key.last<32>()),
        plaintext_size_(plaintext_size),
        padded_size_(pad ? padded_attachment_size(plaintext_size) : plaintext_size) {
    std::copy(iv.begin(), iv.end(), header_.begin());
  }
  attachment_encryptor(const attachment_encryptor&) = delete;
  attachment_encryptor& operator=(const attachment_encryptor&) = delete;
  ~attachment_encryptor() { secure_wipe(partial_.data(), partial_.size()); }

  std::uint64_t blob_size() const noexcept { return attachment_iv_size + (padded_size_ / 16 + 1) * 16 + 32; }

  // update: encrypts the next part of the plaintext into `out`; returns the
  // number of bytes written. error::invalid_argument if out is smaller than
  // in.size() + max_overhead, error::input_too_long past plaintext_size,
  // error::invalid_state after finish() began.
  result<std::size_t> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (finishing_) return error::invalid_state;
    if (out.size() < in.size() + max_overhead) return error::invalid_argument;
    if (in.size() > plaintext_size_ - taken_) return error::input_too_long;
    taken_ += in.size();
    return feed(in, out);
  }

  // finish: after the whole plaintext went through update(), writes the
  // padding, the last block and the MAC, as much as fits in `out` (at least
  // min_finish_output bytes) per call; returns the bytes written. Call it
  // until done(). error::invalid_state if update() did not get the whole
  // plaintext; error::invalid_argument if out is too small.
  result<std::size_t> finish(std::span<std::uint8_t> out) noexcept {
    if (taken_ != plaintext_size_) return error::invalid_state;
    if (out.size() < min_finish_output) return error::invalid_argument;
    finishing_ = true;
    std::size_t n = 0;
    // Zero padding, in pieces that fit.
    static constexpr std::array<std::uint8_t, 256> zeros{};
    while (padded_ < padded_size_ - plaintext_size_) {
      const std::uint64_t left = padded_size_ - plaintext_size_ - padded_;
      const std::size_t room = out.size() - n;
      if (room < zeros.size() + max_overhead) return n;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
      n += feed(std::span<const std::uint8_t>(zeros).first(take), out.subspan(n));
      padded_ += take;
    }
    if (!tail_written_) {
      if (out.size() - n < max_overhead + attachment_mac_size) return n;
      if (!header_written_) {
        std::copy(header_.begin(), header_.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
        mac_.update(header_);
        digest_.update(header_);
        header_written_ = true;
        n += attachment_iv_size;
      }
      // The last partial block (0..15 bytes) with PKCS#7 (1..16 bytes).
      const auto block = out.subspan(n, 16);
      (void)cbc_.finish(std::span<const std::uint8_t>(partial_).first(fill_), block);
      mac_.update(block);
      digest_.update(block);
      n += 16;
      auto tag = mac_.finish();
      std::copy(tag.begin(), tag.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
      digest_.update(tag);
      secure_wipe(tag.data(), tag.size());
      n += attachment_mac_size;
      digest_value_ = digest_.finish();
      tail_written_ = true;
    }
    return n;
  }

  bool done() const noexcept { return tail_written_; }
  // digest: SHA-256 of the whole blob; valid once done().
  const attachment_digest& digest() const noexcept { return digest_value_; }

 private:
  std::size_t feed(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    std::size_t n = 0;
    if (!header_written_) {
      std::copy(header_.begin(), header_.end(), out.begin());
      mac_.update(header_);
      digest_.update(header_);
      header_written_ = true;
      n = attachment_iv_size;
    }
    std::size_t i = 0;
    // Complete the partial block first.
    while (i < in.size() && fill_ != 0 && fill_ < 16) partial_[fill_++] = in[i++];
    if (fill_ == 16) {
      n += emit(partial_, out.subspan(n));
      fill_ = 0;
    }
    const std::size_t whole = (in.size() - i) / 16 * 16;
    if (whole != 0) {
      n += emit(in.subspan(i, whole), out.subspan(n));
      i += whole;
    }
    while (i < in.size()) partial_[fill_++] = in[i++];
    return n;
  }

  // emit: CBC over whole blocks, chained on the kept key schedule.
  std::size_t emit(std::span<const std::uint8_t> blocks, std::span<std::uint8_t> out) noexcept {
    const auto dst = out.first(blocks.size());
    (void)cbc_.update(blocks, dst);
    mac_.update(dst);
    digest_.update(dst);
    return blocks.size();
  }

  aes256_cbc::encryptor cbc_;  // the AES key, expanded once; the chain
  hmac<sha256> mac_;
  sha256 digest_{};
  std::uint64_t plaintext_size_, padded_size_;
  std::uint64_t taken_ = 0, padded_ = 0;
  std::array<std::uint8_t, 16> header_{}, partial_{};
  std::size_t fill_ = 0;
  bool header_written_ = false, finishing_ = false, tail_written_ = false;
  attachment_digest digest_value_{};
};

// attachment_decryptor: Signal's format. Constructed with the blob's length,
// the true plaintext size and (if the pointer carried one) the digest.
// update() writes plaintext, at most plaintext_size bytes in all, UNVERIFIED
// until finish() succeeds (see the top of this file).
class attachment_decryptor {
 public:
  // create: error::invalid_message if blob_size cannot be a blob, or cannot
  // hold plaintext_size bytes.
  static result<attachment_decryptor> create(std::span<const std::uint8_t, attachment_key_size> key,
                                             std::uint64_t blob_size, std::uint64_t plaintext_size,
                                             std::optional<attachment_digest> expected_digest = std::nullopt) noexcept {
    if (blob_size < attachment_iv_size + 16 + attachment_mac_size ||
        (blob_size - attachment_iv_size - attachment_mac_size) % 16 != 0 ||
        plaintext_size > blob_size - attachment_iv_size - attachment_mac_size - 1)
      return error::invalid_message;
    return attachment_decryptor(key, blob_size, plaintext_size, expected_digest);
  }

  attachment_decryptor(attachment_decryptor&&) noexcept = default;
  attachment_decryptor& operator=(attachment_decryptor&&) noexcept = default;
  ~attachment_decryptor() {
    secure_wipe(partial_.data(), partial_.size());
    secure_wipe(last_.data(), last_.size());
  }

  // update: the next part of the blob; writes up to in.size() plaintext
  // bytes to `out` (which must have room for in.size() + 16) and returns how
  // many. error::input_too_long past blob_size; error::invalid_argument if
  // out is too small; error::invalid_state after a failure or finish().
  result<std::size_t> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (state_ != phase::open) return error::invalid_state;
    if (out.size() < in.size() + 16) return error::invalid_argument;
    if (in.size() > blob_size_ - pos_) {
      state_ = phase::failed;
      return error::input_too_long;
    }
    std::size_t n = 0, i = 0;
    const std::uint64_t body_end = blob_size_ - attachment_mac_size;
    while (i < in.size()) {
      if (pos_ < attachment_iv_size) {  // the IV
        const std::size_t k = std::min<std::size_t>(in.size() - i, static_cast<std::size_t>(attachment_iv_size - pos_));
        std::copy(in.begin() + static_cast<std::ptrdiff_t>(i), in.begin() + static_cast<std::ptrdiff_t>(i + k),
                  iv_.begin() + static_cast<std::ptrdiff_t>(pos_));
        absorb(in.subspan(i, k));
        if (pos_ == attachment_iv_size) cbc_.restart(iv_);
        i += k;
        continue;
      }
      if (pos_ < body_end) {  // ciphertext, block by block
        const std::size_t k = std::min<std::size_t>(in.size() - i, static_cast<std::size_t>(body_end - pos_));
        const auto part = in.subspan(i, k);
        absorb(part);
        n += decrypt_part(part, out.subspan(n));
        i += k;
        continue;
      }
      // the MAC
      const std::size_t at = static_cast<std::size_t>(pos_ - body_end);
      const std::size_t k = std::min<std::size_t>(in.size() - i, attachment_mac_size - at);
      std::copy(in.begin() + static_cast<std::ptrdiff_t>(i), in.begin() + static_cast<std::ptrdiff_t>(i + k),
                tag_.begin() + static_cast<std::ptrdiff_t>(at));
      digest_.update(in.subspan(i, k));
      pos_ += k;
      i += k;
    }
    return n;
  }

  // finish: after the whole blob: checks the MAC (constant time), the digest
  // and the padding. On error::invalid_mac / error::invalid_message, discard
  // everything update() wrote.
  result<void> finish() noexcept {
    if (state_ != phase::open) return error::invalid_state;
    state_ = phase::failed;
    if (pos_ != blob_size_) return error::invalid_message;  // truncated
    auto tag = mac_.finish();
    const bool mac_ok = ct::equal<32>(tag, tag_);
    secure_wipe(tag.data(), tag.size());
    const auto d = digest_.finish();
    if (!mac_ok) return error::invalid_mac;
    if (expected_ && !ct::equal<32>(d, *expected_)) return error::invalid_mac;
    // PKCS#7 in the last block; then the plaintext must fit before it. The
    // MAC verified, so these bytes are the sender's: no oracle here.
    // Checked without branching on the bytes all the same.
    const std::uint32_t pad = last_[15];
    std::uint32_t bad = static_cast<std::uint32_t>(pad - 1u > 15u);
    for (std::uint32_t k = 0; k < 16; ++k)
      bad |= static_cast<std::uint32_t>(k + pad >= 16u) & static_cast<std::uint32_t>(last_[k] != pad);
    if (ct::mask<std::uint32_t>::is_nonzero(bad).declassify()) return error::invalid_message;
    const std::uint64_t padded_plaintext = blob_size_ - attachment_iv_size - attachment_mac_size - pad;
    if (plaintext_size_ > padded_plaintext) return error::invalid_message;
    state_ = phase::done;
    return {};
  }

 private:
  enum class phase : std::uint8_t { open, failed, done };

  attachment_decryptor(std::span<const std::uint8_t, attachment_key_size> key, std::uint64_t blob_size,
                       std::uint64_t plaintext_size, std::optional<attachment_digest> expected) noexcept
      : cbc_(key.first<32>(), std::array<std::uint8_t, attachment_iv_size>{}),  // the IV comes first in the blob
        mac_(key.last<32>()),
        blob_size_(blob_size),
        plaintext_size_(plaintext_size),
        expected_(expected) {}

  void absorb(std::span<const std::uint8_t> b) noexcept {
    mac_.update(b);
    digest_.update(b);
    pos_ += b.size();
  }

  // decrypt_part: ciphertext bytes in order; whole blocks are decrypted (up
  // to 4 KiB per call into the kernel) and released up to plaintext_size;
  // the last block is kept for finish().
  std::size_t decrypt_part(std::span<const std::uint8_t> part, std::span<std::uint8_t> out) noexcept {
    std::size_t n = 0, i = 0;
    while (i < part.size()) {
      if (fill_ != 0 || part.size() - i < 16) {
        partial_[fill_++] = part[i++];
        if (fill_ == 16) {
          fill_ = 0;
          n += decrypt_blocks(partial_, out.subspan(n));
        }
        continue;
      }
      const std::size_t len = std::min<std::size_t>((part.size() - i) / 16 * 16, scratch_size);
      n += decrypt_blocks(part.subspan(i, len), out.subspan(n));
      i += len;
    }
    return n;
  }

  static constexpr std::size_t scratch_size = 4096;

  std::size_t decrypt_blocks(std::span<const std::uint8_t> ct, std::span<std::uint8_t> out) noexcept {
    std::array<std::uint8_t, scratch_size> plain;
    const auto p = std::span(plain).first(ct.size());
    (void)cbc_.update(ct, p);
    const std::uint64_t start = blocks_ * 16;
    blocks_ += ct.size() / 16;
    const std::uint64_t blocks_total = (blob_size_ - attachment_iv_size - attachment_mac_size) / 16;
    if (blocks_ == blocks_total) std::copy(p.end() - 16, p.end(), last_.begin());
    std::size_t n = 0;
    if (start < plaintext_size_) {
      n = static_cast<std::size_t>(std::min<std::uint64_t>(ct.size(), plaintext_size_ - start));
      std::copy(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n), out.begin());
    }
    secure_wipe(p.data(), p.size());
    return n;
  }

  aes256_cbc::decryptor cbc_;  // the AES key, expanded once; the chain
  hmac<sha256> mac_;
  sha256 digest_{};
  std::uint64_t blob_size_, plaintext_size_;
  std::optional<attachment_digest> expected_;
  std::uint64_t pos_ = 0, blocks_ = 0;
  std::array<std::uint8_t, 16> iv_{}, partial_{}, last_{};
  std::array<std::uint8_t, 32> tag_{};
  std::size_t fill_ = 0;
  phase state_ = phase::open;
};

// attachment_verifier: the first pass of verify-then-decrypt: checks the
// MAC (and digest) of a blob given in parts, decrypting nothing.
class attachment_verifier {
 public:
  attachment_verifier(std::span<const std::uint8_t, attachment_key_size> key, std::uint64_t blob_size,
                      std::optional<attachment_digest> expected_digest = std::nullopt) noexcept
      : mac_(key.last<32>()), blob_size_(blob_size), expected_(expected_digest) {}

  // update: the next part of the blob; false (and the verifier fails) past blob_size.
  bool update(std::span<const std::uint8_t> in) noexcept {
    if (failed_ || in.size() > blob_size_ - pos_) {
      failed_ = true;
      return false;
    }
    const std::uint64_t body_end = blob_size_ < attachment_mac_size ? 0 : blob_size_ - attachment_mac_size;
    const std::size_t to_mac =
        pos_ >= body_end ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), body_end - pos_));
    mac_.update(in.first(to_mac));
    for (std::size_t i = to_mac; i < in.size(); ++i) tag_[static_cast<std::size_t>(pos_ + i - body_end)] = in[i];
    digest_.update(in);
    pos_ += in.size();
    return true;
  }

  // finish: error::invalid_mac unless the whole blob came and MAC and digest match.
  result<void> finish() noexcept {
    auto tag = mac_.finish();
    const bool mac_ok = ct::equal<32>(tag, tag_);
    secure_wipe(tag.data(), tag.size());
    const auto d = digest_.finish();
    if (failed_ || pos_ != blob_size_ || blob_size_ < attachment_iv_size + 16 + attachment_mac_size)
      return error::invalid_message;
    if (!mac_ok || (expected_ && !ct::equal<32>(d, *expected_))) return error::invalid_mac;
    return {};
  }

 private:
  hmac<sha256> mac_;
  sha256 digest_{};
  std::uint64_t blob_size_, pos_ = 0;
  std::optional<attachment_digest> expected_;
  std::array<std::uint8_t, 32> tag_{};
  bool failed_ = false;
};

// encrypt_attachment / decrypt_attachment: the whole blob in memory, for
// small attachments and tests. decrypt_attachment returns the plaintext only
// when MAC, digest (if given) and padding check out.
template <class = void>
std::vector<std::uint8_t> encrypt_attachment(std::span<const std::uint8_t, attachment_key_size> key,
                                             std::span<const std::uint8_t, attachment_iv_size> iv,
                                             std::span<const std::uint8_t> plaintext,
                                             attachment_digest* digest_out = nullptr, bool pad = true) {
  attachment_encryptor e(key, iv, plaintext.size(), pad);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(e.blob_size()) + attachment_encryptor::max_overhead + 256);
  std::size_t n = *e.update(plaintext, out);
  while (!e.done()) n += *e.finish(std::span(out).subspan(n));
  out.resize(n);
  if (digest_out) *digest_out = e.digest();
  return out;
}

template <class = void>
result<std::vector<std::uint8_t>> decrypt_attachment(std::span<const std::uint8_t, attachment_key_size> key,
                                                     std::span<const std::uint8_t> blob,
                                                     std::uint64_t plaintext_size,
                                                     std::optional<attachment_digest> digest = std::nullopt) {
  auto d = attachment_decryptor::create(key, blob.size(), plaintext_size, digest);
  if (!d) return d.error();
  std::vector<std::uint8_t> out(blob.size() + 16);
  auto n = d->update(blob, out);
  if (!n) return n.error();
  if (auto ok = d->finish(); !ok) {
    secure_wipe(out.data(), out.size());
    return ok.error();
  }
  out.resize(*n);
  return out;
}

// ---- chunked AES-256-GCM format -------------------------------------------------

inline constexpr std::size_t attachment_chunk_size = 64 * 1024;
inline constexpr std::size_t chunked_attachment_header_size = 17;
inline constexpr std::uint8_t chunked_attachment_version = 0x01;         // unpadded
inline constexpr std::uint8_t padded_chunked_attachment_version = 0x02;  // padded
inline constexpr std::size_t chunked_length_prefix_size = 8;
// max_chunked_attachment_size: the largest plaintext of the padded format
// (1 PiB; its bucket still fits 64 bits with room).
inline constexpr std::uint64_t max_chunked_attachment_size = std::uint64_t{1} << 50;

namespace detail {

template <class = void>
secret<32> chunk_key(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt) noexcept {
  constexpr std::array<std::uint8_t, 26> info{'e', '2', 'e', 'e', ' ', 'c', 'h', 'u', 'n', 'k', 'e', 'd', ' ',
                                              'a', 't', 't', 'a', 'c', 'h', 'm', 'e', 'n', 't', ' ', 'v', '1'};
  auto k = hkdf<sha256>::derive<32>(salt, key, info);
  secret<32> s(k);
  secure_wipe(k.data(), k.size());
  return s;
}

inline std::array<std::uint8_t, 12> chunk_nonce(std::uint64_t index, bool last) noexcept {
  std::array<std::uint8_t, 12> n{};
  store_be64(n.data(), index);
  store_be32(n.data() + 8, last ? 1u : 0u);
  return n;
}

}  // namespace detail

// chunked_content_size: the content length of a plaintext of `size` bytes
// (padded: the length prefix and Signal's bucket).
inline std::uint64_t chunked_content_size(std::uint64_t size, bool padded) noexcept {
  return padded ? chunked_length_prefix_size + padded_attachment_size(size) : size;
}

// chunked_attachment_size: the encrypted length of a plaintext of `size`
// bytes, unpadded (version 0x01) or padded (0x02).
inline std::uint64_t chunked_attachment_size(std::uint64_t size, bool padded = false) noexcept {
  const std::uint64_t content = chunked_content_size(size, padded);
  const std::uint64_t chunks = content == 0 ? 1 : (content + attachment_chunk_size - 1) / attachment_chunk_size;
  return chunked_attachment_header_size + content + chunks * aes256_gcm::tag_size;
}

// chunked_attachment_encryptor: `key` is a fresh random 32-byte key sent in
// the attachment pointer; `salt` 16 random bytes (written in the header).
// With plaintext_size: the padded format (0x02), and update() must get
// exactly that many bytes; without: the unpadded one (0x01).
class chunked_attachment_encryptor {
 public:
  // update() writes at most max_update_output(in.size()) bytes; finish() at
  // most max_finish_output per call.
  static constexpr std::size_t max_update_output(std::size_t in) noexcept {
    return chunked_attachment_header_size + (in / attachment_chunk_size + 1) * (attachment_chunk_size + 16);
  }
  static constexpr std::size_t max_finish_output = chunked_attachment_header_size + attachment_chunk_size + 16;

  chunked_attachment_encryptor(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt)
      : chunked_attachment_encryptor(key, salt, version_tag{chunked_attachment_version}) {}
  chunked_attachment_encryptor(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt,
                               std::uint64_t plaintext_size)
      : chunked_attachment_encryptor(key, salt, version_tag{padded_chunked_attachment_version}) {
    plaintext_size_ = plaintext_size;
    if (plaintext_size > max_chunked_attachment_size) {
      too_long_ = true;
      return;
    }
    content_size_ = chunked_content_size(plaintext_size, true);
    store_be64(buffer_.data(), plaintext_size);
    fill_ = produced_ = chunked_length_prefix_size;
  }
  chunked_attachment_encryptor(const chunked_attachment_encryptor&) = delete;
  chunked_attachment_encryptor& operator=(const chunked_attachment_encryptor&) = delete;
  ~chunked_attachment_encryptor() { secure_wipe(buffer_.data(), buffer_.size()); }

  bool padded() const noexcept { return header_[0] == padded_chunked_attachment_version; }
  // done: the last chunk has been written.
  bool done() const noexcept { return finished_; }

  // update: returns the bytes written to `out` (whole chunks; a full chunk is
  // held back until it is known not to be the last). error::invalid_argument
  // if out is smaller than max_update_output(in.size()); error::input_too_long
  // past the padded format's plaintext_size (or above
  // max_chunked_attachment_size); error::invalid_state after finish() began.
  result<std::size_t> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (finishing_) return error::invalid_state;
    if (out.size() < max_update_output(in.size())) return error::invalid_argument;
    if (padded() && (too_long_ || in.size() > plaintext_size_ - taken_)) return error::input_too_long;
    taken_ += in.size();
    std::size_t n = header(out);
    std::size_t i = 0;
    while (i < in.size()) {
      if (fill_ == attachment_chunk_size) {  // more follows: the buffered chunk is not the last
        n += seal(false, out.subspan(n));
        fill_ = 0;
      }
      const std::size_t k = std::min(in.size() - i, attachment_chunk_size - fill_);
      std::copy(in.begin() + static_cast<std::ptrdiff_t>(i), in.begin() + static_cast<std::ptrdiff_t>(i + k),
                buffer_.begin() + static_cast<std::ptrdiff_t>(fill_));
      fill_ += k;
      produced_ += k;
      i += k;
    }
    return n;
  }

  // finish: the rest of the stream (the padding, then the last chunk);
  // returns the bytes written. Unpadded, one call writes it all. Padded, each
  // call writes as many chunks as fit in `out` (at least max_finish_output
  // bytes, so at least one): call it until done(). error::invalid_state if
  // the padded format did not get plaintext_size bytes, or after done().
  result<std::size_t> finish(std::span<std::uint8_t> out) noexcept {
    if (finished_ || (padded() && (too_long_ || taken_ != plaintext_size_))) return error::invalid_state;
    if (out.size() < max_finish_output) return error::invalid_argument;
    finishing_ = true;
    std::size_t n = header(out);
    while (produced_ < content_size_) {  // zero padding (padded format only)
      if (fill_ == attachment_chunk_size) {
        if (out.size() - n < attachment_chunk_size + 16) return n;
        n += seal(false, out.subspan(n));
        fill_ = 0;
      }
      const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(content_size_ - produced_,
                                                                      attachment_chunk_size - fill_));
      std::fill_n(buffer_.begin() + static_cast<std::ptrdiff_t>(fill_), k, std::uint8_t{0});
      fill_ += k;
      produced_ += k;
    }
    if (out.size() - n < fill_ + 16) return n;
    n += seal(true, out.subspan(n));
    finished_ = true;
    secure_wipe(buffer_.data(), buffer_.size());
    return n;
  }

 private:
  struct version_tag {
    std::uint8_t version;
  };
  chunked_attachment_encryptor(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt,
                               version_tag v)
      : gcm_(detail::chunk_key(key, salt).expose()), buffer_(attachment_chunk_size) {
    header_[0] = v.version;
    std::copy(salt.begin(), salt.end(), header_.begin() + 1);
  }

  std::size_t header(std::span<std::uint8_t> out) noexcept {
    if (header_written_) return 0;
    std::copy(header_.begin(), header_.end(), out.begin());
    header_written_ = true;
    return header_.size();
  }

  std::size_t seal(bool last, std::span<std::uint8_t> out) noexcept {
    const auto nonce = detail::chunk_nonce(index_++, last);
    const auto body = out.first(fill_);
    (void)gcm_.encrypt(nonce, header_, std::span<const std::uint8_t>(buffer_).first(fill_), body,
                       out.subspan(fill_).first<16>());
    return fill_ + 16;
  }

  aes256_gcm gcm_;
  std::array<std::uint8_t, chunked_attachment_header_size> header_{};
  std::vector<std::uint8_t> buffer_;
  std::size_t fill_ = 0;
  std::uint64_t index_ = 0;
  // padded format: the plaintext size promised, taken so far; content
  // (prefix, plaintext, padding) to write in all and written so far.
  std::uint64_t plaintext_size_ = 0, taken_ = 0, content_size_ = 0, produced_ = 0;
  bool header_written_ = false, finishing_ = false, finished_ = false, too_long_ = false;
};

// chunked_attachment_decryptor: either version, told by the header.
// update() releases each chunk once its tag verified (authentic, in order;
// in the padded format only the plaintext, never the length prefix or the
// padding); finish() reports a truncated stream and, padded, a content of
// the wrong length or non-zero padding.
class chunked_attachment_decryptor {
 public:
  static constexpr std::size_t max_update_output(std::size_t in) noexcept {
    return (in / (attachment_chunk_size + 16) + 1) * attachment_chunk_size;
  }
  static constexpr std::size_t max_finish_output = attachment_chunk_size;

  explicit chunked_attachment_decryptor(std::span<const std::uint8_t, 32> key)
      : key_(key), buffer_(attachment_chunk_size + 16), plain_(attachment_chunk_size) {}
  chunked_attachment_decryptor(const chunked_attachment_decryptor&) = delete;
  chunked_attachment_decryptor& operator=(const chunked_attachment_decryptor&) = delete;
  ~chunked_attachment_decryptor() { secure_wipe(plain_.data(), plain_.size()); }

  // padded: the stream is the padded format (known once the header is in).
  bool padded() const noexcept { return header_[0] == padded_chunked_attachment_version; }
  // plaintext_size: in the padded format, the size the first chunk carries
  // (once it verified); nullopt before, and for the unpadded format.
  std::optional<std::uint64_t> plaintext_size() const noexcept {
    if (!padded() || position_ < chunked_length_prefix_size) return std::nullopt;
    return plaintext_size_;
  }

  // update: the next bytes of the stream; returns the plaintext bytes written
  // to `out` (at least max_update_output(in.size()) of room).
  // error::invalid_mac for an altered, reordered or misplaced chunk;
  // error::invalid_version for another header version; error::invalid_message
  // for padded content longer than its bucket or a size above
  // max_chunked_attachment_size; error::invalid_state after a failure or
  // finish().
  result<std::size_t> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (state_ != phase::open) return error::invalid_state;
    if (out.size() < max_update_output(in.size())) return error::invalid_argument;
    std::size_t n = 0, i = 0;
    while (i < in.size()) {
      if (header_fill_ < chunked_attachment_header_size) {
        header_[header_fill_++] = in[i++];
        if (header_fill_ == chunked_attachment_header_size) {
          if (header_[0] != chunked_attachment_version && header_[0] != padded_chunked_attachment_version)
            return fail(error::invalid_version);
          gcm_.emplace(detail::chunk_key(key_.expose(), std::span(header_).subspan<1, 16>()).expose());
        }
        continue;
      }
      if (fill_ == buffer_.size()) {  // more follows: the buffered chunk is not the last
        auto k = open(false, out.subspan(n));
        if (!k) return k.error();
        n += *k;
        fill_ = 0;
      }
      const std::size_t k = std::min(in.size() - i, buffer_.size() - fill_);
      std::copy(in.begin() + static_cast<std::ptrdiff_t>(i), in.begin() + static_cast<std::ptrdiff_t>(i + k),
                buffer_.begin() + static_cast<std::ptrdiff_t>(fill_));
      fill_ += k;
      i += k;
    }
    return n;
  }

  // finish: opens the last chunk; error::invalid_message if the stream ended
  // early (no header, or a last chunk shorter than a tag), error::invalid_mac
  // if the last chunk does not verify as the last one (a truncated stream);
  // padded: error::invalid_message if the content is not exactly the
  // bucket's length or a padding byte is not zero.
  result<std::size_t> finish(std::span<std::uint8_t> out) noexcept {
    if (state_ != phase::open) return error::invalid_state;
    if (out.size() < max_finish_output) return error::invalid_argument;
    if (header_fill_ < chunked_attachment_header_size || fill_ < 16) return fail(error::invalid_message);
    auto k = open(true, out);
    if (!k) return k.error();
    if (padded() && (position_ < chunked_length_prefix_size || position_ != content_size_ || padding_or_ != 0)) {
      secure_wipe(out.data(), *k);
      return fail(error::invalid_message);
    }
    state_ = phase::done;
    return *k;
  }

 private:
  enum class phase : std::uint8_t { open, failed, done };

  error fail(error e) noexcept {
    state_ = phase::failed;
    return e;
  }

  result<std::size_t> open(bool last, std::span<std::uint8_t> out) noexcept {
    const std::size_t body = fill_ - 16;
    const auto nonce = detail::chunk_nonce(index_++, last);
    const auto ct = std::span<const std::uint8_t>(buffer_).first(body);
    const auto tag = std::span<const std::uint8_t>(buffer_).subspan(body).first<16>();
    if (!gcm_->decrypt(nonce, header_, ct, tag, std::span(plain_).first(body))) return fail(error::invalid_mac);
    if (!padded()) {
      std::copy(plain_.begin(), plain_.begin() + static_cast<std::ptrdiff_t>(body), out.begin());
      return body;
    }
    return unpad(body, out);
  }

  // unpad: splits the verified content of one chunk into the length prefix,
  // the plaintext (released) and the padding (checked to be zero).
  result<std::size_t> unpad(std::size_t body, std::span<std::uint8_t> out) noexcept {
    std::size_t i = 0, released = 0;
    while (i < body && position_ < chunked_length_prefix_size) {
      length_[position_++] = plain_[i++];
      if (position_ == chunked_length_prefix_size) {
        plaintext_size_ = load_be64(length_.data());
        if (plaintext_size_ > max_chunked_attachment_size) return fail(error::invalid_message);
        content_size_ = chunked_content_size(plaintext_size_, true);
      }
    }
    if (i < body) {
      const std::uint64_t plain_end = chunked_length_prefix_size + plaintext_size_;
      if (position_ < plain_end) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(body - i, plain_end - position_));
        std::copy(plain_.begin() + static_cast<std::ptrdiff_t>(i), plain_.begin() + static_cast<std::ptrdiff_t>(i + k),
                  out.begin());
        released = k;
        i += k;
        position_ += k;
      }
      for (std::size_t j = i; j < body; ++j) padding_or_ |= plain_[j];
      position_ += body - i;
      if (position_ > content_size_) return fail(error::invalid_message);
    }
    return released;
  }

  secret<32> key_;
  std::optional<aes256_gcm> gcm_;
  std::array<std::uint8_t, chunked_attachment_header_size> header_{};
  std::size_t header_fill_ = 0;
  std::vector<std::uint8_t> buffer_, plain_;
  std::size_t fill_ = 0;
  std::uint64_t index_ = 0;
  // padded format: content bytes seen, the length prefix, the size it
  // carries, the content length it implies, the OR of the padding bytes.
  std::uint64_t position_ = 0, plaintext_size_ = 0, content_size_ = 0;
  std::array<std::uint8_t, chunked_length_prefix_size> length_{};
  std::uint8_t padding_or_ = 0;
  phase state_ = phase::open;
};

}  // namespace protocol
E2EE_NAMESPACE_END
