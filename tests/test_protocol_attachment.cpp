// Attachments (protocol/attachment.hpp): Signal's CBC + HMAC format with
// padding and digest, and the chunked AES-256-GCM format; streaming at random
// split points, tampering, truncation, reordering.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/cbc.hpp>
#include <e2ee/core/bytes.hpp>
#include <e2ee/protocol/attachment.hpp>

#include "support/bytes.hpp"
#include "support/kernels_aes.hpp"
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
  // finish: once for the decryptor; for the encryptor until done(), in
  // buffers of random sizes from the minimum up.
  for (;;) {
    byte_vector buf(Stream::max_finish_output + g.range(0, 3) * (proto::attachment_chunk_size + 16));
    auto n = s.finish(buf);
    if (!n) return n.error();
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    if constexpr (requires { s.done(); }) {
      if (s.done()) break;
    } else {
      break;
    }
  }
  return out;
}

byte_vector chunked_encrypt(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> salt,
                            const byte_vector& pt, test::rng& g, std::size_t max_piece = 100000,
                            bool padded = false) {
  std::optional<proto::chunked_attachment_encryptor> e;
  if (padded) {
    e.emplace(key, salt, pt.size());
  } else {
    e.emplace(key, salt);
  }
  auto out = run_chunked(*e, pt, g, max_piece);
  REQUIRE(out.has_value());
  return *out;
}

// chunked_stream: a stream of the chunked format built from its parts, for
// contents no honest encryptor writes (wrong padding, wrong length).
byte_vector chunked_stream(std::span<const std::uint8_t, 32> key, std::uint8_t version, const byte_vector& content) {
  byte_vector out{version};
  for (int i = 0; i < 16; ++i) out.push_back(static_cast<std::uint8_t>(0x40 + i));
  const auto header = byte_vector(out.begin(), out.end());
  const e2ee::aes256_gcm gcm(
      proto::detail::chunk_key(key, std::span<const std::uint8_t, 16>(header.data() + 1, 16)).expose());
  const std::size_t c = proto::attachment_chunk_size;
  std::size_t at = 0;
  std::uint64_t index = 0;
  do {
    const std::size_t k = std::min(c, content.size() - at);
    const bool last = at + k == content.size();
    byte_vector body(k);
    std::array<std::uint8_t, 16> tag{};
    (void)gcm.encrypt(proto::detail::chunk_nonce(index++, last), header,
                std::span<const std::uint8_t>(content).subspan(at, k), body, tag);
    out.insert(out.end(), body.begin(), body.end());
    out.insert(out.end(), tag.begin(), tag.end());
    at += k;
  } while (at < content.size());
  return out;
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

// The streaming classes keep the AES key expanded (aes256_cbc::encryptor /
// decryptor) and chain between updates: on every AES kernel the blob equals
// the one built with the portable one-shot CBC call, and a decryptor moved
// (constructed, then assigned) in the middle of the stream carries on.
TEST_CASE("attachment: Signal format on every AES kernel; a decryptor moved mid-stream", "[protocol][attachment]") {
  test::rng g(0x3a7);
  for (const auto impl : test::available_impls<e2ee::aes_impl>()) {
    const test::force_impl use(impl);
    for (int round = 0; round < 6; ++round) {
      const std::size_t size = g.range(0, 20000);
      INFO("kernel " << test::name(impl) << " round " << round << " size " << size);
      std::array<std::uint8_t, 64> key{};
      std::array<std::uint8_t, 16> iv{};
      g.fill(key);
      g.fill(iv);
      const auto pt = random_bytes(g, size);
      proto::attachment_encryptor enc(key, iv, size);
      const auto blob = encrypt_streaming(enc, pt, g);
      byte_vector padded = pt;
      padded.resize(proto::padded_attachment_size(size), 0);
      const auto ct = e2ee::aes256_cbc::encrypt(std::span(key).first<32>(), iv, padded, e2ee::aes_impl::portable);
      REQUIRE(blob.size() == 16 + ct.size() + 32);
      CHECK(std::equal(ct.begin(), ct.end(), blob.begin() + 16));

      auto d = proto::attachment_decryptor::create(key, blob.size(), size, enc.digest());
      REQUIRE(d.has_value());
      byte_vector out(blob.size() + 16);
      const std::size_t cut1 = g.range(0, blob.size()), cut2 = g.range(cut1, blob.size());
      std::size_t n = 0;
      auto part = d->update(std::span(blob).first(cut1), std::span(out).subspan(n));
      REQUIRE(part.has_value());
      n += *part;
      proto::attachment_decryptor moved(std::move(*d));
      part = moved.update(std::span(blob).subspan(cut1, cut2 - cut1), std::span(out).subspan(n));
      REQUIRE(part.has_value());
      n += *part;
      *d = std::move(moved);
      part = d->update(std::span(blob).subspan(cut2), std::span(out).subspan(n));
      REQUIRE(part.has_value());
      n += *part;
      REQUIRE(d->finish().has_value());
      CHECK(n == size);
      CHECK(std::equal(pt.begin(), pt.end(), out.begin()));
    }
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
  for (const bool padded : {false, true}) {
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{540}, std::size_t{541},
                                   std::size_t{542}, c - 9, c - 8, c - 1, c, c + 1, 2 * c, 3 * c + 17}) {
      INFO("size " << size << (padded ? ", padded" : ""));
      std::array<std::uint8_t, 32> key{};
      std::array<std::uint8_t, 16> salt{};
      g.fill(key);
      g.fill(salt);
      const auto pt = random_bytes(g, size);
      const auto blob = chunked_encrypt(key, salt, pt, g, 100000, padded);
      CHECK(blob.size() == proto::chunked_attachment_size(size, padded));
      CHECK(blob[0] == (padded ? proto::padded_chunked_attachment_version : proto::chunked_attachment_version));
      CHECK(std::equal(salt.begin(), salt.end(), blob.begin() + 1));
      // The same stream in one piece and in pieces of every size class.
      CHECK(chunked_encrypt(key, salt, pt, g, 1000, padded) == blob);
      auto back = chunked_decrypt(key, blob, g);
      REQUIRE(back.has_value());
      CHECK(*back == pt);
      auto back2 = chunked_decrypt(key, blob, g, 300);
      REQUIRE(back2.has_value());
      CHECK(*back2 == pt);
      // Another salt: another stream.
      auto salt2 = salt;
      salt2[0] ^= 1;
      if (size > 0 || padded) CHECK(chunked_encrypt(key, salt2, pt, g, 100000, padded) != blob);
    }
  }
}

TEST_CASE("attachment: padded chunked format hides the size within Signal's buckets", "[protocol][attachment]") {
  test::rng g(0x9ad);
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  g.fill(key);
  g.fill(salt);
  // Every size of a bucket gives a stream of one length.
  for (const std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{100}, std::uint64_t{70000},
                                   std::uint64_t{1} << 20, (std::uint64_t{1} << 30) + 12345}) {
    const std::uint64_t bucket = proto::padded_attachment_size(size);
    INFO("size " << size << ", bucket " << bucket);
    CHECK(bucket >= size);
    CHECK(proto::chunked_attachment_size(size, true) == proto::chunked_attachment_size(bucket, true));
    CHECK(proto::chunked_content_size(size, true) == 8 + bucket);
  }
  CHECK(proto::chunked_attachment_size(1, true) == proto::chunked_attachment_size(541, true));
  CHECK(proto::chunked_attachment_size(542, true) > proto::chunked_attachment_size(541, true));
  // The decryptor learns the size from the first chunk.
  const auto pt = random_bytes(g, 200000);
  const auto blob = chunked_encrypt(key, salt, pt, g, 100000, true);
  proto::chunked_attachment_decryptor d(key);
  CHECK(!d.plaintext_size().has_value());
  byte_vector out(proto::chunked_attachment_decryptor::max_update_output(blob.size()));
  auto n = d.update(std::span(blob).first(proto::chunked_attachment_header_size + 2 * (proto::attachment_chunk_size + 16)), out);
  REQUIRE(n.has_value());
  CHECK(d.padded());
  REQUIRE(d.plaintext_size().has_value());
  CHECK(*d.plaintext_size() == pt.size());
  CHECK(*n == proto::attachment_chunk_size - 8);  // chunk 0 without the length prefix
  CHECK(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n), pt.begin()));

  // The encryptor holds the promised size.
  proto::chunked_attachment_encryptor e(key, salt, 10);
  byte_vector buf(proto::chunked_attachment_encryptor::max_update_output(11) +
                  proto::chunked_attachment_encryptor::max_finish_output);
  CHECK(e.update(std::span(pt).first(11), buf).error() == error::input_too_long);
  REQUIRE(e.update(std::span(pt).first(9), buf).has_value());
  CHECK(e.finish(buf).error() == error::invalid_state);
  REQUIRE(e.update(std::span(pt).first(1), buf).has_value());
  REQUIRE(e.finish(buf).has_value());
  CHECK(e.done());
  CHECK(e.finish(buf).error() == error::invalid_state);
  CHECK(e.update(std::span(pt).first(1), buf).error() == error::invalid_state);
  proto::chunked_attachment_encryptor huge(key, salt, proto::max_chunked_attachment_size + 1);
  CHECK(huge.update(std::span(pt).first(1), buf).error() == error::input_too_long);
  CHECK(huge.finish(buf).error() == error::invalid_state);
}

TEST_CASE("attachment: padded chunked format verifies its length and padding", "[protocol][attachment]") {
  test::rng g(0x9a2);
  std::array<std::uint8_t, 32> key{};
  g.fill(key);
  const auto content_of = [&](std::uint64_t size, std::size_t plaintext, std::size_t padding) {
    byte_vector c(8);
    e2ee::store_be64(c.data(), size);
    const auto p = random_bytes(g, plaintext);
    c.insert(c.end(), p.begin(), p.end());
    c.insert(c.end(), padding, 0);
    return c;
  };
  const auto decrypt = [&](const byte_vector& blob) { return chunked_decrypt(key, blob, g); };
  for (const std::size_t size : {std::size_t{0}, std::size_t{1000}, std::size_t{3 * proto::attachment_chunk_size}}) {
    INFO("size " << size);
    const std::size_t pad = static_cast<std::size_t>(proto::padded_attachment_size(size)) - size;
    const auto good = content_of(size, size, pad);
    REQUIRE(decrypt(chunked_stream(key, proto::padded_chunked_attachment_version, good)).has_value());
    // A non-zero padding byte, first or last.
    for (const std::size_t at : {8 + size, good.size() - 1}) {
      auto bad = good;
      bad[at] = 1;
      const auto r = decrypt(chunked_stream(key, proto::padded_chunked_attachment_version, bad));
      REQUIRE(!r.has_value());
      CHECK(r.error() == error::invalid_message);
    }
    // Padding one byte short or long, or none.
    for (const std::size_t p : {pad - 1, pad + 1, std::size_t{0}}) {
      const auto r = decrypt(chunked_stream(key, proto::padded_chunked_attachment_version, content_of(size, size, p)));
      REQUIRE(!r.has_value());
      CHECK(r.error() == error::invalid_message);
    }
    // A length prefix of another bucket than the content's length (within
    // one bucket the prefix decides where plaintext ends and zeros begin).
    std::vector<std::uint64_t> claims{proto::padded_attachment_size(size) + 1};
    if (size > 541) claims.push_back(1);
    for (const std::uint64_t claim : claims) {
      const auto r = decrypt(chunked_stream(key, proto::padded_chunked_attachment_version, content_of(claim, size, pad)));
      REQUIRE(!r.has_value());
      CHECK(r.error() == error::invalid_message);
    }
  }
  // Cut inside the length prefix; a size above the maximum.
  for (const auto& bad : {byte_vector{0, 0, 0}, content_of(proto::max_chunked_attachment_size + 1, 10, 531)}) {
    const auto r = decrypt(chunked_stream(key, proto::padded_chunked_attachment_version, bad));
    REQUIRE(!r.has_value());
    CHECK(r.error() == error::invalid_message);
  }
  // A padded content under the unpadded version is just content: released as it is.
  const auto plain = content_of(1000, 1000, 0);
  const auto r = decrypt(chunked_stream(key, proto::chunked_attachment_version, plain));
  REQUIRE(r.has_value());
  CHECK(*r == plain);
}

TEST_CASE("attachment: chunked GCM format rejects tampering, reordering, truncation, extension",
          "[protocol][attachment]") {
  test::rng g(0xbad);
  const std::size_t c = proto::attachment_chunk_size, w = c + 16, h = proto::chunked_attachment_header_size;
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  g.fill(key);
  g.fill(salt);
  const bool padded = GENERATE(false, true);
  INFO((padded ? "padded" : "unpadded"));
  // Unpadded: 3 full chunks + 1 short last. Padded: 3c + 100 - 8 bytes of
  // plaintext are 3c + 92 + the padding of content; a plaintext that makes
  // the content 3 full chunks + a short last one of 116 - 16 bytes.
  std::size_t size = 3 * c + 100;
  if (padded) {
    size = 3 * c;
    while (proto::chunked_attachment_size(size, true) < h + 3 * w + 17) ++size;
  }
  const auto pt = random_bytes(g, size);
  const auto blob = chunked_encrypt(key, salt, pt, g, 100000, padded);
  REQUIRE(blob.size() > h + 3 * w + 16);
  REQUIRE(blob.size() <= h + 4 * w);

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
    bad[0] = 0x03;
    rejected(bad, error::invalid_version);
    bad[0] = padded ? proto::chunked_attachment_version : proto::padded_chunked_attachment_version;
    rejected(bad, error::invalid_mac);  // the version is bound into every chunk
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
    const std::size_t released = padded ? c - 8 : c;
    REQUIRE(*first == released);
    CHECK(std::equal(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(released), pt.begin()));
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
  for (const bool padded : {false, true}) {
    const auto blob = chunked_encrypt(key, salt, pt, g, 1 << 18, padded);
    CHECK(blob.size() == proto::chunked_attachment_size(pt.size(), padded));
    auto back = chunked_decrypt(key, blob, g, 1 << 18);
    REQUIRE(back.has_value());
    CHECK(*back == pt);
  }
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
