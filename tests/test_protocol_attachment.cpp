// Attachments (protocol/attachment.hpp): Signal's CBC + HMAC format with
// padding and digest, and the chunked AES-256-GCM format; streaming at random
// split points, tampering, truncation, reordering.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <e2ee/protocol/attachment.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;

byte_vector random_bytes(test::rng& g, std::size_t n) {
  byte_vector v(n);
  g.fill(v);
  return v;
}

// Streams `in` through enc.update in random pieces, then finish() until done.
byte_vector encrypt_streaming(proto::attachment_encryptor& enc, const byte_vector& in, test::rng& g) {
  byte_vector out;
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t k = std::min(in.size() - i, g.range(0, 5000));
    byte_vector buf(k + proto::attachment_encryptor::max_overhead);
    auto n = enc.update(std::span(in).subspan(i, k), buf);
    REQUIRE(n.has_value());
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    i += k;
  }
  while (!enc.done()) {
    byte_vector buf(g.range(proto::attachment_encryptor::min_finish_output, 700));
    auto n = enc.finish(buf);
    REQUIRE(n.has_value());
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return out;
}

e2ee::result<byte_vector> decrypt_streaming(std::span<const std::uint8_t, 64> key, const byte_vector& blob,
                                            std::uint64_t size, std::optional<proto::attachment_digest> digest,
                                            test::rng& g) {
  auto d = proto::attachment_decryptor::create(key, blob.size(), size, digest);
  if (!d) return d.error();
  byte_vector out;
  std::size_t i = 0;
  while (i < blob.size()) {
    const std::size_t k = std::min(blob.size() - i, g.range(1, 5000));
    byte_vector buf(k + 16);
    auto n = d->update(std::span(blob).subspan(i, k), buf);
    if (!n) return n.error();
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    i += k;
  }
  if (auto ok = d->finish(); !ok) return ok.error();
  return out;
}

template <class Stream>
e2ee::result<byte_vector> run_chunked(Stream& s, const byte_vector& in, test::rng& g, std::size_t max_piece) {
  byte_vector out;
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t k = std::min(in.size() - i, g.range(0, max_piece));
    byte_vector buf(Stream::max_update_output(k));
    auto n = s.update(std::span(in).subspan(i, k), buf);
    if (!n) return n.error();
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    i += k;
  }
  byte_vector buf(Stream::max_finish_output);
  auto n = s.finish(buf);
  if (!n) return n.error();
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  return out;
}

byte_vector chunked_encrypt(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt,
                            const byte_vector& pt, test::rng& g, std::size_t max_piece = 100000) {
  proto::chunked_attachment_encryptor e(key, salt);
  auto out = run_chunked(e, pt, g, max_piece);
  REQUIRE(out.has_value());
  return *out;
}

e2ee::result<byte_vector> chunked_decrypt(std::span<const std::uint8_t, 32> key, const byte_vector& blob,
                                          test::rng& g, std::size_t max_piece = 100000) {
  proto::chunked_attachment_decryptor d(key);
  return run_chunked(d, blob, g, max_piece);
}

}  // namespace

TEST_CASE("attachment: Signal's padding buckets", "[protocol][attachment]") {
  CHECK(proto::padded_attachment_size(0) == 541);
  CHECK(proto::padded_attachment_size(1) == 541);
  CHECK(proto::padded_attachment_size(541) == 541);
  // floor(1.05^k) for the smallest k with 1.05^k >= size, computed exactly
  // with fractions (21^k / 20^k) outside this code base.
  CHECK(proto::padded_attachment_size(542) == 568);
  CHECK(proto::padded_attachment_size(1000) == 1020);
  CHECK(proto::padded_attachment_size(1000000) == 1041743);
  CHECK(proto::padded_attachment_size(123456789) == 124254533);
  CHECK(proto::padded_attachment_size(5000000000) == 5066394155);
  test::rng g(0xba0);
  std::uint64_t previous = 0;
  for (std::uint64_t s = 1; s < 20000; ++s) {  // monotonic steps
    const auto p = proto::padded_attachment_size(s);
    REQUIRE(p >= s);
    REQUIRE(p >= previous);
    previous = p;
  }
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t s = 1 + g.below(std::uint64_t{1} << 40);
    const auto p = proto::padded_attachment_size(s);
    REQUIRE(p >= s);
    REQUIRE(p <= std::max<std::uint64_t>(541, s + s / 20 + 1));  // at most 5 % more
    REQUIRE(proto::padded_attachment_size(p) == p);               // a bucket is its own bucket
  }
}

TEST_CASE("attachment: Signal format matches its definition", "[protocol][attachment]") {
  test::rng g(0xa77);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{540},
                                 std::size_t{541}, std::size_t{542}, std::size_t{5000}}) {
    for (const bool pad : {true, false}) {
      INFO("size " << size << " pad " << pad);
      std::array<std::uint8_t, 64> key{};
      std::array<std::uint8_t, 16> iv{};
      g.fill(key);
      g.fill(iv);
      const auto pt = random_bytes(g, size);
      proto::attachment_digest digest{};
      const auto blob = proto::encrypt_attachment(key, iv, pt, &digest, pad);
      // iv || CBC-PKCS7(pt || zeros) || HMAC-SHA256(mac_key, iv || ct), built here from the primitives.
      byte_vector padded = pt;
      padded.resize(pad ? proto::padded_attachment_size(size) : size, 0);
      const auto ct = e2ee::aes256_cbc::encrypt(std::span(key).first<32>(), iv, padded);
      byte_vector expect(iv.size() + ct.size() + 32);  // filled by position (g++ 12 misreads inserts)
      std::copy(iv.begin(), iv.end(), expect.begin());
      std::copy(ct.begin(), ct.end(), expect.begin() + 16);
      const auto mac =
          e2ee::hmac<e2ee::sha256>::mac(std::span(key).last<32>(), std::span(expect).first(16 + ct.size()));
      std::copy(mac.begin(), mac.end(), expect.end() - 32);
      CHECK(blob == expect);
      CHECK(blob.size() == proto::attachment_blob_size(size, pad));
      const auto sha = e2ee::sha256::hash(blob);
      CHECK(digest == sha);
      auto back = proto::decrypt_attachment(key, blob, size, digest);
      REQUIRE(back.has_value());
      CHECK(*back == pt);
    }
  }
}

TEST_CASE("attachment: Signal format streams at random split points", "[protocol][attachment]") {
  test::rng g(0x5717);
  for (int round = 0; round < 30; ++round) {
    const std::size_t size = round < 10 ? g.range(0, 100) : g.range(0, 60000);
    INFO("round " << round << " size " << size);
    std::array<std::uint8_t, 64> key{};
    std::array<std::uint8_t, 16> iv{};
    g.fill(key);
    g.fill(iv);
    const auto pt = random_bytes(g, size);
    proto::attachment_encryptor enc(key, iv, size);
    const auto blob = encrypt_streaming(enc, pt, g);
    CHECK(blob == proto::encrypt_attachment(key, iv, pt));
    CHECK(enc.digest() == e2ee::sha256::hash(blob));
    auto back = decrypt_streaming(key, blob, size, enc.digest(), g);
    REQUIRE(back.has_value());
    CHECK(*back == pt);
    proto::attachment_verifier v(key, blob.size(), enc.digest());
    for (std::size_t i = 0; i < blob.size(); i += 777)
      REQUIRE(v.update(std::span(blob).subspan(i, std::min<std::size_t>(777, blob.size() - i))));
    CHECK(v.finish().has_value());
  }
}

TEST_CASE("attachment: Signal format rejects tampering, truncation and bad sizes", "[protocol][attachment]") {
  test::rng g(0x7a4);
  std::array<std::uint8_t, 64> key{};
  std::array<std::uint8_t, 16> iv{};
  g.fill(key);
  g.fill(iv);
  const auto pt = random_bytes(g, 100);
  proto::attachment_digest digest{};
  const auto blob = proto::encrypt_attachment(key, iv, pt, &digest);
  for (std::size_t i = 0; i < blob.size(); ++i) {
    byte_vector bad = blob;
    bad[i] ^= 0x20;
    const auto r = proto::decrypt_attachment(key, bad, pt.size(), digest);
    REQUIRE(!r.has_value());
    CHECK(r.error() == error::invalid_mac);
    const auto r2 = proto::decrypt_attachment(key, bad, pt.size());  // no digest: the MAC alone
    REQUIRE(!r2.has_value());
    CHECK(r2.error() == error::invalid_mac);
    proto::attachment_verifier v(key, bad.size());
    REQUIRE(v.update(bad));
    CHECK(v.finish().error() == error::invalid_mac);
  }
  // Another digest: refused although the MAC is right.
  auto other = digest;
  other[0] ^= 1;
  CHECK(proto::decrypt_attachment(key, blob, pt.size(), other).error() == error::invalid_mac);
  // Another key.
  auto key2 = key;
  key2[40] ^= 1;
  CHECK(proto::decrypt_attachment(key2, blob, pt.size()).error() == error::invalid_mac);
  // Truncated blobs: refused at create (wrong shape) or at finish.
  for (std::size_t n = 0; n < blob.size(); ++n) {
    const auto r = proto::decrypt_attachment(key, std::span(blob).first(n), pt.size());
    CHECK(!r.has_value());
  }
  {
    auto d = proto::attachment_decryptor::create(key, blob.size(), pt.size());
    REQUIRE(d.has_value());
    byte_vector out(blob.size() + 16);
    REQUIRE(d->update(std::span(blob).first(blob.size() - 1), out).has_value());
    CHECK(d->finish().error() == error::invalid_message);
    CHECK(d->finish().error() == error::invalid_state);
  }
  // A plaintext size the blob cannot hold.
  CHECK(proto::decrypt_attachment(key, blob, blob.size()).error() == error::invalid_message);
  // Larger than the padded plaintext but smaller than the blob: the padding check catches it.
  const auto unpadded = proto::encrypt_attachment(key, iv, pt, nullptr, false);  // 100 -> 112 bytes of CBC
  CHECK(proto::decrypt_attachment(key, unpadded, 100).has_value());
  CHECK(proto::decrypt_attachment(key, unpadded, 111).error() == error::invalid_message);
  // Too much input, misuse of the encryptor.
  proto::attachment_encryptor e(key, iv, 10);
  byte_vector buf(100);
  CHECK(e.update(byte_vector(11), buf).error() == error::input_too_long);
  CHECK(e.finish(buf).error() == error::invalid_state);  // not all plaintext given yet
  REQUIRE(e.update(byte_vector(10), buf).has_value());
  byte_vector small(10);
  CHECK(e.finish(small).error() == error::invalid_argument);
}

TEST_CASE("attachment: chunked GCM format round trips at random split points", "[protocol][attachment]") {
  test::rng g(0xc4c);
  const std::size_t c = proto::attachment_chunk_size;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, c - 1, c, c + 1, 2 * c, 3 * c + 17}) {
    INFO("size " << size);
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 16> salt{};
    g.fill(key);
    g.fill(salt);
    const auto pt = random_bytes(g, size);
    const auto blob = chunked_encrypt(key, salt, pt, g);
    CHECK(blob.size() == proto::chunked_attachment_size(size));
    CHECK(blob[0] == proto::chunked_attachment_version);
    CHECK(std::equal(salt.begin(), salt.end(), blob.begin() + 1));
    // The same stream in one piece and in pieces of every size class.
    CHECK(chunked_encrypt(key, salt, pt, g, 1000) == blob);
    auto back = chunked_decrypt(key, blob, g);
    REQUIRE(back.has_value());
    CHECK(*back == pt);
    auto back2 = chunked_decrypt(key, blob, g, 300);
    REQUIRE(back2.has_value());
    CHECK(*back2 == pt);
    // Another salt: another stream.
    auto salt2 = salt;
    salt2[0] ^= 1;
    if (size > 0) CHECK(chunked_encrypt(key, salt2, pt, g) != blob);
  }
}

TEST_CASE("attachment: chunked GCM format rejects tampering, reordering, truncation, extension",
          "[protocol][attachment]") {
  test::rng g(0xbad);
  const std::size_t c = proto::attachment_chunk_size, w = c + 16, h = proto::chunked_attachment_header_size;
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  g.fill(key);
  g.fill(salt);
  const auto pt = random_bytes(g, 3 * c + 100);  // chunks: 3 full + 1 short last
  const auto blob = chunked_encrypt(key, salt, pt, g);
  REQUIRE(blob.size() == h + 3 * w + 116);

  const auto rejected = [&](const byte_vector& bad, error expected) {
    const auto r = chunked_decrypt(key, bad, g);
    REQUIRE(!r.has_value());
    CHECK(r.error() == expected);
  };
  // A flipped bit in the header (salt, so another key), in each chunk's body and tag.
  for (const std::size_t at : {std::size_t{5}, h, h + w - 1, h + w + 100, h + 3 * w + 5, blob.size() - 1}) {
    byte_vector bad = blob;
    bad[at] ^= 0x01;
    rejected(bad, error::invalid_mac);
  }
  {
    byte_vector bad = blob;
    bad[0] = 0x02;
    rejected(bad, error::invalid_version);
  }
  {  // chunks 0 and 1 swapped
    byte_vector bad = blob;
    std::swap_ranges(bad.begin() + static_cast<std::ptrdiff_t>(h), bad.begin() + static_cast<std::ptrdiff_t>(h + w),
                     bad.begin() + static_cast<std::ptrdiff_t>(h + w));
    rejected(bad, error::invalid_mac);
  }
  // Cut at each chunk boundary: the last chunk present was not sealed as last.
  for (std::size_t k = 1; k <= 3; ++k) rejected(byte_vector(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(h + k * w)),
                                                error::invalid_mac);
  // Cut inside a chunk, or before any chunk.
  rejected(byte_vector(blob.begin(), blob.end() - 1), error::invalid_mac);
  rejected(byte_vector(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(h + 10)), error::invalid_message);
  rejected(byte_vector(blob.begin(), blob.begin() + 5), error::invalid_message);
  // Extended: a copy of chunk 2 after the last, or garbage.
  {
    byte_vector bad = blob;
    bad.insert(bad.end(), blob.begin() + static_cast<std::ptrdiff_t>(h + 2 * w),
               blob.begin() + static_cast<std::ptrdiff_t>(h + 3 * w));
    rejected(bad, error::invalid_mac);
  }
  {
    byte_vector bad = blob;
    bad.push_back(0);
    rejected(bad, error::invalid_mac);
  }
  // The wrong key.
  auto key2 = key;
  key2[31] ^= 0x80;
  proto::chunked_attachment_decryptor d(key2);
  byte_vector out(proto::chunked_attachment_decryptor::max_update_output(blob.size()));
  const auto r = d.update(blob, out);
  REQUIRE(!r.has_value());
  CHECK(r.error() == error::invalid_mac);
  CHECK(d.update(blob, out).error() == error::invalid_state);
  // What update() released before a failure was authentic: chunk 0 of a stream whose chunk 1 is bad.
  {
    byte_vector bad = blob;
    bad[h + w + 3] ^= 0x40;
    proto::chunked_attachment_decryptor d2(key);
    byte_vector o(proto::chunked_attachment_decryptor::max_update_output(h + w + 1));
    auto first = d2.update(std::span(bad).first(h + w + 1), o);  // chunk 0 complete, 1 byte of chunk 1
    REQUIRE(first.has_value());
    REQUIRE(*first == c);
    CHECK(std::equal(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(c), pt.begin()));
    byte_vector rest(proto::chunked_attachment_decryptor::max_update_output(bad.size()));
    CHECK(d2.update(std::span(bad).subspan(h + w + 1), rest).error() == error::invalid_mac);
  }
}

TEST_CASE("attachment: a 3 MiB file streams in constant memory, both formats", "[protocol][attachment]") {
  test::rng g(0x3e6);
  const auto pt = random_bytes(g, 3 * 1024 * 1024 + 5);
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  g.fill(key);
  g.fill(salt);
  const auto blob = chunked_encrypt(key, salt, pt, g, 1 << 18);
  auto back = chunked_decrypt(key, blob, g, 1 << 18);
  REQUIRE(back.has_value());
  CHECK(*back == pt);
  std::array<std::uint8_t, 64> key64{};
  std::array<std::uint8_t, 16> iv{};
  g.fill(key64);
  g.fill(iv);
  proto::attachment_encryptor enc(key64, iv, pt.size());
  const auto sblob = encrypt_streaming(enc, pt, g);
  CHECK(sblob.size() == proto::attachment_blob_size(pt.size()));
  auto sback = decrypt_streaming(key64, sblob, pt.size(), enc.digest(), g);
  REQUIRE(sback.has_value());
  CHECK(*sback == pt);
}
