// e2ee/aead/aes_gcm_stream.hpp — streaming AES-256-GCM (NIST SP 800-38D) for
// large attachments: e2ee::aes256_gcm::encryptor and ::decryptor encrypt or
// decrypt any number of chunks of any size in constant memory, with results
// byte-identical to aes256_gcm::encrypt / decrypt on the concatenation.
// Included by aead/aes_gcm.hpp; users include that.
//
//   const e2ee::aes256_gcm g(key);
//   e2ee::aes256_gcm::encryptor enc(g, nonce, aad);       // g must outlive enc
//   while (more) if (!enc.update(chunk, out_chunk)) abort();  // out_chunk.size() == chunk.size()
//   std::array<std::uint8_t, 16> tag;
//   if (!enc.finish(tag)) abort();
//
// DECRYPTION RELEASES UNAUTHENTICATED PLAINTEXT. In constant memory the
// decryptor cannot hold the plaintext back until the tag is checked at the
// end: every update() hands out plaintext that an attacker may have chosen
// (GCM is malleable: flipping a ciphertext bit flips the same plaintext bit).
// Use it like this, and only like this:
//   1. write the plaintext to a temporary place nobody reads (a temp file,
//      a staging buffer) — never parse, display, execute or forward it yet;
//   2. call finish(tag) once all the ciphertext went through update();
//   3. only if finish returns true, accept the result (rename the temp file);
//      if it returns false, or any update() returned false, delete and wipe
//      everything that was written: it is not the sender's data.
// finish() returns false on a wrong tag and verified() tells afterwards;
// after finish (either way) or any error the object refuses all further use
// (update/aad/finish return false, outputs zeroed). A message small enough to
// hold in memory should use aes256_gcm::decrypt, which releases nothing unless
// the tag verifies.
//
// Limits (SP 800-38D 5.2.1.1), enforced: at most 2^36 - 32 bytes of text and
// 2^61 - 1 bytes of AAD per stream, nonce 1 .. 2^61 - 1 bytes. A call that
// would exceed them fails and puts the stream into the failed state; so does
// any misuse (aad() after update(), an output span of the wrong size, calls
// after finish). Nonces: as for aes256_gcm, never reuse one under a key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../cipher/aes.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "aes_gcm.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

#if E2EE_HAVE_X86_KERNELS
#define E2EE_GCM_STREAM_TARGET gnu::target("aes,pclmul,sse4.1")
#define E2EE_GCM_STREAM_VAES_TARGET gnu::target("aes,pclmul,sse4.1,avx,avx2,vaes,vpclmulqdq")

// Resumable pieces around the x86 kernels (detail/x86/aes_gcm_clmul.hpp,
// aes_gcm_vaes.hpp). Between calls the GHASH state y is a 16-byte block in
// GCM's byte order and the counter is the word of the last keystream block
// used. w: the 240-byte schedule followed by the primed H
// (detail::gcm_setup_clmul), as aes256_gcm keeps them for both x86 kernels;
// each call makes the powers it needs.

// gcm_stream_ghash_clmul folds n bytes at p into y (a final partial block is
// zero-padded).
[[E2EE_GCM_STREAM_TARGET]] inline void gcm_stream_ghash_clmul(const std::uint8_t* w, std::uint8_t* y,
                                                              const std::uint8_t* p, std::size_t n) noexcept {
  gcm_clmul_keys hk;
  gcm_clmul_keys_load(gcm_hkey{w + 240, nullptr, nullptr}, hk, gcm_ghash_keys(n));
  aesni_store(y, gcm_bswap(gcm_ghash_clmul(hk, gcm_bswap(aesni_load(y)), p, n)));
}

// gcm_stream_block_clmul: out = E_K(in), one block.
[[E2EE_GCM_STREAM_TARGET]] inline void gcm_stream_block_clmul(const std::uint8_t* w, const std::uint8_t* in,
                                                              std::uint8_t* out) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  __m128i b[1] = {aesni_load(in)};
  aesni_encrypt_n<1>(k, b);
  aesni_store(out, b[0]);
}

// gcm_stream_tail_clmul: 1..7 whole blocks (CTR with counters ctr+1.., then
// GHASH of the ciphertext into y with one reduction). in == out allowed.
[[E2EE_GCM_STREAM_TARGET, gnu::always_inline]] inline __m128i gcm_stream_tail_clmul(
    const aesni_keys& k, const gcm_clmul_keys& hk, __m128i base, std::uint32_t ctr, __m128i y,
    const std::uint8_t* in, std::uint8_t* out, std::size_t m, bool encrypt) noexcept {
  __m128i b[8];
  for (std::size_t i = 0; i < 8; ++i) b[i] = gcm_counter(base, ctr + 1 + static_cast<std::uint32_t>(i));
  aesni_encrypt_n<8>(k, b);  // a few blocks too many, once per update() at most
  gcm_kacc acc = gcm_kacc_zero();
  for (std::size_t i = 0; i < m; ++i) {
    const __m128i x = aesni_load(in + 16 * i);
    const __m128i o = _mm_xor_si128(x, b[i]);
    aesni_store(out + 16 * i, o);
    const __m128i c = gcm_bswap(encrypt ? o : x);
    gcm_kacc_add(acc, i == 0 ? _mm_xor_si128(y, c) : c, hk.pw[8 - m + i], hk.pk[8 - m + i]);
  }
  return gcm_kacc_reduce(acc);
}

// gcm_stream_blocks_clmul: `blocks` whole blocks of GCTR from counter ctr+1
// and GHASH of the ciphertext into y; 128-byte chunks through the one-shot
// kernel's stitched loop (gcm_clmul_bulk), the rest eight blocks at most at
// a time. in == out allowed.
[[E2EE_GCM_STREAM_TARGET]] inline void gcm_stream_blocks_clmul(const std::uint8_t* w, const std::uint8_t* j0,
                                                               std::uint32_t ctr, std::uint8_t* y_bytes,
                                                               const std::uint8_t* in, std::uint8_t* out,
                                                               std::size_t blocks, bool encrypt) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  const __m128i base = aesni_load(j0);
  __m128i y = gcm_bswap(aesni_load(y_bytes));
  std::size_t len = 16 * blocks;
  gcm_clmul_keys hk;
  gcm_clmul_keys_load(gcm_hkey{w + 240, nullptr, nullptr}, hk, blocks < 8 ? blocks : 8);
  if (len >= 128) {
    // Byte-reversed counter block: inc32's word is lane 0.
    __m128i c = _mm_insert_epi32(gcm_bswap(base), static_cast<int>(ctr + 1), 0);
    const std::size_t before = len;
    if (encrypt) {
      gcm_clmul_bulk<true>(k, hk, c, y, in, out, len);
    } else {
      gcm_clmul_bulk<false>(k, hk, c, y, in, out, len);
    }
    ctr += static_cast<std::uint32_t>((before - len) / 16);
  }
  if (len != 0) y = gcm_stream_tail_clmul(k, hk, base, ctr, y, in, out, len / 16, encrypt);
  aesni_store(y_bytes, gcm_bswap(y));
}

// gcm_stream_blocks_vaes: as gcm_stream_blocks_clmul, with 256-byte chunks
// through the VAES kernel's stitched loop (gcm_vaes_bulk_run) first; hi and
// hi_made: the stream's H^17..H^32 (gcm_vaes_bulk_run's keep and kept).
[[E2EE_GCM_STREAM_VAES_TARGET]] inline void gcm_stream_blocks_vaes(const std::uint8_t* w, const std::uint8_t* j0,
                                                                   std::uint32_t ctr, std::uint8_t* y_bytes,
                                                                   const std::uint8_t* in, std::uint8_t* out,
                                                                   std::size_t blocks, bool encrypt,
                                                                   gcm_vaes_powers_hi* hi, bool* hi_made) noexcept {
  std::size_t len = 16 * blocks;
  if (len >= 256) {
    gcm_vaes_powers hp;
    gcm_vaes_powers_init(gcm_hkey{w + 240, nullptr, nullptr}, hp, 16);
    __m256i rk[15];
    for (std::size_t r = 0; r < 15; ++r) rk[r] = _mm256_broadcastsi128_si256(aesni_load(w + 16 * r));
    // Byte-reversed counter blocks ctr+1 (low lane) and ctr+2 (high lane).
    const __m128i c0 = _mm_insert_epi32(gcm_bswap(aesni_load(j0)), static_cast<int>(ctr), 0);
    __m256i c = _mm256_add_epi32(_mm256_broadcastsi128_si256(c0), _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 1));
    __m128i y = gcm_bswap(aesni_load(y_bytes));
    const std::size_t before = len;
    gcm_vaes_bulk_run(rk, hp, hi, hi_made, c, y, in, out, len, encrypt);
    ctr += static_cast<std::uint32_t>((before - len) / 16);
    aesni_store(y_bytes, gcm_bswap(y));
  }
  if (len != 0) gcm_stream_blocks_clmul(w, j0, ctr, y_bytes, in, out, len / 16, encrypt);
}

#undef E2EE_GCM_STREAM_VAES_TARGET
#undef E2EE_GCM_STREAM_TARGET
#endif  // E2EE_HAVE_X86_KERNELS

// gcm_key_view: what a stream reads of an aes256_gcm (which must outlive it).
struct gcm_key_view {
  aes_gcm_impl impl = aes_gcm_impl::portable;
  const aes256_bs_keys* bs = nullptr;  // portable: bit-planed round keys
  const gf128* h = nullptr;            // portable: H
  const std::uint8_t* w = nullptr;     // kernels: schedule || primed H (x86), H^1..H^8 (armv8)
};

// gcm_stream: the state machine behind encryptor and decryptor.
// Phases: aad (AAD may still come) -> data -> done; any error -> failed.
// buf_ holds, in the aad phase, the pos_ bytes of a partial AAD block; in
// the data phase, pos_ bytes of the current block's ciphertext followed by
// the 16 - pos_ unused keystream bytes (pos_ == 0: no block open).
class gcm_stream {
 public:
  enum class phase : std::uint8_t { aad, data, done, failed };

  constexpr gcm_stream(const gcm_key_view& k, std::span<const std::uint8_t> nonce) noexcept : k_(k) {
    if (nonce.empty() || static_cast<std::uint64_t>(nonce.size()) > aes256_gcm::max_nonce_size) {
      phase_ = phase::failed;
      return;
    }
    if (nonce.size() == aes256_gcm::nonce_size) {
      for (std::size_t i = 0; i < aes256_gcm::nonce_size; ++i) j0_[i] = nonce[i];
      j0_[15] = 1;
    } else {  // J0 = GHASH(IV || 0-pad || [0]_64 || [len(IV)]_64) (SP 800-38D 7.1 step 2)
      ghash(nonce.data(), nonce.size());
      ghash_lengths(0, nonce.size());
      j0_ = y_;
      y_ = {};
    }
    ctr_ = load_be32(j0_.data() + 12);
  }
  gcm_stream(const gcm_stream&) = delete;
  gcm_stream& operator=(const gcm_stream&) = delete;
  constexpr ~gcm_stream() { clear(); }

  // within: used + more <= limit, without overflow (the SP 800-38D limits).
  static constexpr bool within(std::uint64_t used, std::uint64_t more, std::uint64_t limit) noexcept {
    return used <= limit && more <= limit - used;
  }

  constexpr phase state() const noexcept { return phase_; }
  constexpr std::uint64_t text_size() const noexcept { return len_; }

  constexpr bool add_aad(std::span<const std::uint8_t> a) noexcept {
    if (phase_ != phase::aad || !within(aad_len_, a.size(), aes256_gcm::max_aad_size)) {
      fail();
      return false;
    }
    aad_len_ += a.size();
    const std::uint8_t* p = a.data();
    std::size_t n = a.size();
    if (pos_ != 0) {
      for (; n != 0 && pos_ != 16; --n) buf_[pos_++] = *p++;
      if (pos_ != 16) return true;
      ghash(buf_.data(), 16);
      pos_ = 0;
    }
    const std::size_t whole = n - n % 16;
    if (whole != 0) ghash(p, whole);
    for (std::size_t i = whole; i < n; ++i) buf_[pos_++] = p[i];
    return true;
  }

  // update: GCTR over in -> out and GHASH of the ciphertext; false (out
  // zeroed, stream failed) on misuse or when the text limit would be passed.
  constexpr bool update(bool encrypt, std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (phase_ == phase::aad) start_data();
    if (phase_ != phase::data || in.size() != out.size() || !within(len_, in.size(), aes256_gcm::max_plaintext_size)) {
      fail();
      zero(out);
      return false;
    }
    len_ += in.size();
    const std::size_t n = in.size();
    std::size_t i = 0;
    if (pos_ != 0) i = xor_partial(encrypt, in.data(), out.data(), n);
    const std::size_t blocks = (n - i) / 16;
    if (blocks != 0) {
      bulk(encrypt, in.data() + i, out.data() + i, blocks);
      i += 16 * blocks;
    }
    if (i != n) {
      next_keystream();
      xor_partial(encrypt, in.data() + i, out.data() + i, n - i);
    }
    return true;
  }

  // finish: the tag S ^ E_K(J0) into tag (16 bytes); the state is wiped and
  // the stream done. false (tag zeroed) if the stream was done or failed.
  constexpr bool finish(std::uint8_t* tag) noexcept {
    if (phase_ == phase::aad) start_data();
    if (phase_ != phase::data) {
      fail();
      for (std::size_t i = 0; i < 16; ++i) tag[i] = 0;
      return false;
    }
    if (pos_ != 0) {  // the last partial block, zero-padded
      for (std::size_t i = pos_; i < 16; ++i) buf_[i] = 0;
      ghash(buf_.data(), 16);
    }
    ghash_lengths(aad_len_, len_);
    block(j0_.data(), buf_.data());
    for (std::size_t i = 0; i < 16; ++i) tag[i] = static_cast<std::uint8_t>(y_[i] ^ buf_[i]);
    clear();
    phase_ = phase::done;
    return true;
  }

  // fail wipes the state and refuses any further use.
  constexpr void fail() noexcept {
    clear();
    phase_ = phase::failed;
  }

  static constexpr void zero(std::span<std::uint8_t> s) noexcept {
    if (std::is_constant_evaluated()) {
      for (auto& b : s) b = 0;
    } else if (!s.empty()) {
      secure_wipe(s.data(), s.size());
    }
  }

 private:
  constexpr bool x86() const noexcept {
#if E2EE_HAVE_X86_KERNELS
    return !std::is_constant_evaluated() && k_.impl != aes_gcm_impl::portable;
#else
    return false;
#endif
  }
  // armv8: the AArch64 kernel's pieces (detail/arm/aes_gcm_armv8.hpp), same
  // byte-order state between calls.
  constexpr bool armv8() const noexcept {
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    return !std::is_constant_evaluated() && k_.impl == aes_gcm_impl::armv8;
#else
    return false;
#endif
  }

  // ghash folds n bytes at p into y_ (a final partial block zero-padded).
  constexpr void ghash(const std::uint8_t* p, std::size_t n) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (x86()) {
      gcm_stream_ghash_clmul(k_.w, y_.data(), p, n);
      return;
    }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (armv8()) {
      gcm_stream_ghash_armv8(k_.w, y_.data(), p, n);
      return;
    }
#endif
    gf128 y = gf128_load(y_.data());
    ghash_portable(*k_.h, y, p, n);
    gf128_store(y, y_.data());
    e2ee::wipe(y);
  }

  constexpr void ghash_lengths(std::uint64_t a_bytes, std::uint64_t c_bytes) noexcept {
    std::array<std::uint8_t, 16> b{};
    store_be64(b.data(), a_bytes << 3);
    store_be64(b.data() + 8, c_bytes << 3);
    ghash(b.data(), 16);
  }

  // block: out = E_K(in), one block.
  constexpr void block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (x86()) {
      gcm_stream_block_clmul(k_.w, in, out);
      return;
    }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (armv8()) {
      gcm_stream_block_armv8(k_.w, in, out);
      return;
    }
#endif
    std::array<std::uint8_t, 64> b{};
    for (std::size_t i = 0; i < 16; ++i) b[i] = in[i];
    aes256_encrypt4_portable(*k_.bs, b.data(), b.data());
    for (std::size_t i = 0; i < 16; ++i) out[i] = b[i];
    e2ee::wipe(b);
  }

  // start_data closes the AAD: its last partial block, zero-padded.
  constexpr void start_data() noexcept {
    if (pos_ != 0) {
      for (std::size_t i = pos_; i < 16; ++i) buf_[i] = 0;
      ghash(buf_.data(), 16);
      pos_ = 0;
    }
    phase_ = phase::data;
  }

  // next_keystream opens a block: buf_ = E_K(inc32(counter)).
  constexpr void next_keystream() noexcept {
    std::array<std::uint8_t, 16> cb = j0_;
    store_be32(cb.data() + 12, ++ctr_);
    block(cb.data(), buf_.data());
    pos_ = 0;
  }

  // xor_partial runs up to n bytes through the open block (pos_ < 16);
  // returns how many; GHASHes the block when it fills. Each input byte is
  // read before its output byte is written (in == out allowed).
  constexpr std::size_t xor_partial(bool encrypt, const std::uint8_t* in, std::uint8_t* out,
                                    std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i < n && pos_ < 16; ++i) {
      const std::uint8_t x = in[i];
      const auto o = static_cast<std::uint8_t>(x ^ buf_[pos_]);
      out[i] = o;
      buf_[pos_++] = encrypt ? o : x;
    }
    if (pos_ == 16) {
      ghash(buf_.data(), 16);
      pos_ = 0;
    }
    return i;
  }

  // bulk: whole blocks straight from in to out with the fastest kernel.
  constexpr void bulk(bool encrypt, const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (x86()) {
      if (k_.impl == aes_gcm_impl::vaes_avx2) {
        gcm_stream_blocks_vaes(k_.w, j0_.data(), ctr_, y_.data(), in, out, blocks, encrypt, &hi_, &hi_made_);
      } else {
        gcm_stream_blocks_clmul(k_.w, j0_.data(), ctr_, y_.data(), in, out, blocks, encrypt);
      }
      ctr_ += static_cast<std::uint32_t>(blocks);  // inc32 wraps modulo 2^32
      return;
    }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (armv8()) {
      gcm_stream_blocks_armv8(k_.w, j0_.data(), ctr_, y_.data(), in, out, blocks, encrypt);
      ctr_ += static_cast<std::uint32_t>(blocks);  // inc32 wraps modulo 2^32
      return;
    }
#endif
    gf128 y = gf128_load(y_.data());
    std::array<std::uint8_t, 64> ks{}, b{};
    while (blocks != 0) {
      const std::size_t m = blocks < 4 ? blocks : 4;
      for (std::size_t j = 0; j < 4; ++j) {
        for (std::size_t i = 0; i < 12; ++i) ks[16 * j + i] = j0_[i];
        store_be32(ks.data() + 16 * j + 12, ctr_ + 1 + static_cast<std::uint32_t>(j));
      }
      ctr_ += static_cast<std::uint32_t>(m);
      aes256_encrypt4_portable(*k_.bs, ks.data(), ks.data());
      for (std::size_t i = 0; i < 16 * m; ++i) b[i] = in[i];
      if (!encrypt) ghash_portable(*k_.h, y, b.data(), 16 * m);
      for (std::size_t i = 0; i < 16 * m; ++i) b[i] = static_cast<std::uint8_t>(b[i] ^ ks[i]);
      if (encrypt) ghash_portable(*k_.h, y, b.data(), 16 * m);
      for (std::size_t i = 0; i < 16 * m; ++i) out[i] = b[i];
      in += 16 * m;
      out += 16 * m;
      blocks -= m;
    }
    gf128_store(y, y_.data());
    e2ee::wipe(y);
    e2ee::wipe(ks);
    e2ee::wipe(b);
  }

  constexpr void clear() noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (hi_made_) secure_wipe(&hi_, sizeof hi_);  // only made at run time (x86())
    hi_made_ = false;
#endif
    e2ee::wipe(j0_);
    e2ee::wipe(y_);
    e2ee::wipe(buf_);
    ctr_ = 0;
    pos_ = 0;
    aad_len_ = 0;
    len_ = 0;
  }

  gcm_key_view k_;
  std::array<std::uint8_t, 16> j0_{};   // pre-counter block J0
  std::array<std::uint8_t, 16> y_{};    // GHASH state, GCM byte order
  std::array<std::uint8_t, 16> buf_{};  // see above
  std::uint64_t aad_len_ = 0, len_ = 0;
  std::uint32_t ctr_ = 0;  // counter word of the last keystream block made
  std::size_t pos_ = 0;
  phase phase_ = phase::aad;
#if E2EE_HAVE_X86_KERNELS
  // vaes_avx2: H^17..H^32 for the bulk loop's 32-block groups, made by the
  // first update of at least gcm_vaes_pairs_min bytes (a stream of short
  // updates never makes them), kept for the later ones, wiped by clear().
  // Not initialised: written before it is read.
  gcm_vaes_powers_hi hi_;
  bool hi_made_ = false;
#endif
};

}  // namespace detail

// aes256_gcm::encryptor: GCM-AE (SP 800-38D 7.1) over a stream. Construct it
// from the key object (which must outlive it) and the nonce, optionally the
// AAD; aad() may add more AAD before the first update(). update() encrypts
// any chunk at once (ciphertext of the same size, no output held back);
// finish() writes the tag. The result equals aes256_gcm::encrypt on the
// concatenated chunks. Not copyable (a copy would reuse the keystream).
class aes256_gcm::encryptor {
 public:
  constexpr encryptor(const aes256_gcm& key, std::span<const std::uint8_t> nonce,
                      std::span<const std::uint8_t> associated_data = {}) noexcept
      : s_(view(key), nonce) {
    if (!associated_data.empty()) s_.add_aad(associated_data);
  }
  encryptor(const aes256_gcm&&, std::span<const std::uint8_t>, std::span<const std::uint8_t> = {}) = delete;
  encryptor(const encryptor&) = delete;
  encryptor& operator=(const encryptor&) = delete;

  // aad appends associated data. false (stream failed) after update() or
  // finish(), or past 2^61 - 1 bytes in all.
  constexpr bool aad(std::span<const std::uint8_t> associated_data) noexcept { return s_.add_aad(associated_data); }

  // update encrypts plaintext into ciphertext_out (same size; the same span
  // for in place, no other overlap). false, with ciphertext_out zeroed and
  // the stream failed, if the sizes differ, the stream is finished or failed
  // (e.g. an empty nonce), or the total would pass max_plaintext_size.
  [[nodiscard]] constexpr bool update(std::span<const std::uint8_t> plaintext,
                                      std::span<std::uint8_t> ciphertext_out) noexcept {
    return s_.update(true, plaintext, ciphertext_out);
  }

  // finish writes the 16-byte tag and wipes the state; the encryptor is then
  // done. false, with tag_out zeroed, if the stream had failed or was done:
  // the ciphertext must then be discarded.
  [[nodiscard]] constexpr bool finish(std::span<std::uint8_t, tag_size> tag_out) noexcept {
    return s_.finish(tag_out.data());
  }

  // failed: an error happened; finished: finish() succeeded.
  constexpr bool failed() const noexcept { return s_.state() == detail::gcm_stream::phase::failed; }
  constexpr bool finished() const noexcept { return s_.state() == detail::gcm_stream::phase::done; }
  // size: plaintext bytes so far (0 once finished or failed).
  constexpr std::uint64_t size() const noexcept { return s_.text_size(); }

 private:
  // view: the parts of the key object the stream reads (nested classes may
  // read aes256_gcm's private members).
  static constexpr detail::gcm_key_view view(const aes256_gcm& g) noexcept {
    detail::gcm_key_view v{g.impl_, &g.bs_, &g.h_, nullptr};
    if (!std::is_constant_evaluated() && g.impl_ != aes_gcm_impl::portable) v.w = g.enc_keys();
    return v;
  }

  detail::gcm_stream s_;
};

// aes256_gcm::decryptor: GCM-AD (SP 800-38D 7.2) over a stream. update()
// RELEASES PLAINTEXT BEFORE IT IS AUTHENTICATED — see the top of this file:
// stage it, call finish(tag), and accept it only if finish returns true;
// otherwise destroy it. finish compares in constant time.
class aes256_gcm::decryptor {
 public:
  constexpr decryptor(const aes256_gcm& key, std::span<const std::uint8_t> nonce,
                      std::span<const std::uint8_t> associated_data = {}) noexcept
      : s_(view(key), nonce) {
    if (!associated_data.empty()) s_.add_aad(associated_data);
  }
  decryptor(const aes256_gcm&&, std::span<const std::uint8_t>, std::span<const std::uint8_t> = {}) = delete;
  decryptor(const decryptor&) = delete;
  decryptor& operator=(const decryptor&) = delete;

  constexpr bool aad(std::span<const std::uint8_t> associated_data) noexcept { return s_.add_aad(associated_data); }

  // update decrypts ciphertext into plaintext_out (same size; the same span
  // for in place, no other overlap). The output is UNVERIFIED until finish()
  // returns true. false, with plaintext_out zeroed and the stream failed, on
  // the errors listed for encryptor::update.
  [[nodiscard]] constexpr bool update(std::span<const std::uint8_t> ciphertext,
                                      std::span<std::uint8_t> plaintext_out) noexcept {
    return s_.update(false, ciphertext, plaintext_out);
  }

  // finish checks the 16-byte tag in constant time: true if the whole stream
  // (nonce, AAD, every ciphertext byte) is authentic. false on a wrong tag or
  // if the stream had failed or was done: then discard all plaintext the
  // update() calls produced. Either way the state is wiped and the decryptor
  // refuses further use.
  [[nodiscard]] constexpr bool finish(std::span<const std::uint8_t, tag_size> tag) noexcept {
    std::array<std::uint8_t, tag_size> expected{};
    const bool done = s_.finish(expected.data());
    const bool ok = ct::equal_mask(expected.data(), tag.data(), tag_size).declassify() && done;
    e2ee::wipe(expected);
    if (!ok) s_.fail();
    verified_ = ok;
    return ok;
  }

  // verified: finish() returned true. The plaintext may be used only then.
  constexpr bool verified() const noexcept { return verified_; }
  constexpr bool failed() const noexcept { return s_.state() == detail::gcm_stream::phase::failed; }
  // size: ciphertext bytes so far (0 once finished or failed).
  constexpr std::uint64_t size() const noexcept { return s_.text_size(); }

 private:
  // view: as in encryptor.
  static constexpr detail::gcm_key_view view(const aes256_gcm& g) noexcept {
    detail::gcm_key_view v{g.impl_, &g.bs_, &g.h_, nullptr};
    if (!std::is_constant_evaluated() && g.impl_ != aes_gcm_impl::portable) v.w = g.enc_keys();
    return v;
  }

  detail::gcm_stream s_;
  bool verified_ = false;
};

E2EE_NAMESPACE_END
