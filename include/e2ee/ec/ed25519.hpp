// e2ee/ec/ed25519.hpp — Ed25519 signatures (RFC 8032 5.1, "pure" Ed25519, no
// context, no prehash): key pair from a 32-byte seed, sign, verify. constexpr;
// key generation and signing are constant time in the seed and the expanded
// secret (fixed-base multiplication with masked table selection).
// Kernels: at run time every group operation (key pair, sign, verify,
// verify_batch) runs on best_x25519_impl()'s field: the 4x64 MULX/ADX field
// when the CPU has BMI2 and ADX (detail/x86/edwards25519_mulx.hpp), else the
// portable 5x51 one, which is also the constexpr path. Same bytes and
// verdicts on both (E2EE_CPU_DISABLE=bmi2 forces portable).
//
// Verification rule — one rule for verify and verify_batch, on every kernel
// ("RFC 8032 strict encodings + cofactored equation"; docs/ed25519.md has
// the table of edge cases and how libsodium, OpenSSL and ZIP-215 differ):
//   1. The signature is 64 bytes R || S, the key 32 bytes (fixed extents).
//   2. S must be canonical: S < L. S >= L (S = L included) is rejected
//      (RFC 8032 5.1.7); this makes signatures non-malleable in S.
//   3. A (public key) and R must decode under RFC 8032 5.1.3 strictly:
//      y < p (the 19 non-canonical y in [p, 2^255) are rejected), an x
//      must exist, and x = 0 with the sign bit set is rejected. (ZIP-215
//      accepts these non-canonical encodings; we do not.)
//   4. Small-order and mixed-order A and R are accepted as points (RFC 8032
//      does not exclude them; libsodium rejects small-order ones). A
//      signature under a small-order A is still checked by the equation.
//   5. k = SHA-512(R || A || M) mod L, over the bytes as given.
//   6. The cofactored equation [8]([S]B - [k]A - R) = O (RFC 8032 5.1.7,
//      the "sufficient" form; ZIP-215's equation). It accepts everything the
//      cofactorless [S]B = R + [k]A accepts, plus signatures whose
//      difference is a point of small order.
// verify_batch checks [8]·(random linear combination) = O, which is implied
// by rule 6 for every item and, if some item fails rule 6, holds only with
// probability <= 2^-127: verify and verify_batch agree on every input
// (a cofactorless batch equation could not: torsion components of R and A
// survive it with probability depending on the random coefficients).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/secret.hpp"
#include "../hash/sha512.hpp"
#include "curve25519_kernels.hpp"
#include "edwards25519.hpp"
#include "scalar25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace ed25519 {

inline constexpr std::size_t seed_size = 32;
inline constexpr std::size_t public_key_size = 32;
inline constexpr std::size_t signature_size = 64;
using public_key_bytes = std::array<std::uint8_t, 32>;
using signature = std::array<std::uint8_t, 64>;

// key_pair holds a seed (the RFC 8032 private key), its expansion (the
// clamped secret scalar s and the nonce prefix, RFC 8032 5.1.5) and the
// public key A = s·B. The secret parts are wiped on destruction; the object
// can be moved but not copied.
class key_pair {
 public:
  // from_seed: RFC 8032 5.1.5. Any 32 bytes are a valid seed; take them
  // from a cryptographic random source (e2ee::os_random).
  static constexpr key_pair from_seed(std::span<const std::uint8_t, 32> seed) noexcept {
    key_pair kp;
    std::array<std::uint8_t, 64> h = sha512::hash(seed);
    h[0] = static_cast<std::uint8_t>(h[0] & 248u);
    h[31] = static_cast<std::uint8_t>((h[31] & 127u) | 64u);
    std::copy(seed.begin(), seed.end(), kp.seed_.writable().begin());
    std::copy(h.begin(), h.end(), kp.expanded_.writable().begin());
    const std::span<const std::uint8_t, 32> s(h.data(), 32);
    kp.public_key = e2ee::detail::ed25519::scalarmult_base_encoded(s);
    e2ee::wipe(h);
    return kp;
  }

  // public_key: the 32-byte encoding of A (RFC 8032 5.1.2).
  public_key_bytes public_key{};

  // seed: the 32-byte private key, for storing it.
  constexpr std::span<const std::uint8_t, 32> seed() const noexcept { return seed_.expose(); }

 private:
  friend constexpr signature sign(const key_pair&, std::span<const std::uint8_t>) noexcept;
  constexpr key_pair() noexcept = default;
  constexpr std::span<const std::uint8_t, 32> scalar() const noexcept { return expanded_.expose().first<32>(); }
  constexpr std::span<const std::uint8_t, 32> prefix() const noexcept { return expanded_.expose().last<32>(); }

  secret<32> seed_;
  secret<64> expanded_;  // clamped s (32 bytes) || prefix (32 bytes)
};

namespace detail {

// hash_mod_l: SHA-512(a || b || msg) mod L (RFC 8032 5.1.6 steps 2 and 4).
// The digest is wiped: in step 2 it is the secret nonce.
constexpr e2ee::detail::sc25519::scalar hash_mod_l(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                                   std::span<const std::uint8_t> msg) noexcept {
  sha512 h;
  h.update(a);
  h.update(b);
  h.update(msg);
  auto d = h.finish();
  const auto r = e2ee::detail::sc25519::reduce_wide(d);
  e2ee::wipe(d);
  return r;
}

}  // namespace detail

// sign: RFC 8032 5.1.6. Deterministic: the same key and message always give
// the same signature. Constant time in the secret key.
constexpr signature sign(const key_pair& kp, std::span<const std::uint8_t> msg) noexcept {
  namespace sc = e2ee::detail::sc25519;
  auto r = detail::hash_mod_l(kp.prefix(), {}, msg);
  auto r_bytes = sc::to_bytes(r);
  signature sig{};
  const auto r_enc = e2ee::detail::ed25519::scalarmult_base_encoded(r_bytes);
  const auto k = detail::hash_mod_l(r_enc, kp.public_key, msg);
  auto s = sc::from_bytes(kp.scalar());
  auto big_s = sc::muladd(k, s, r);
  const auto s_enc = sc::to_bytes(big_s);
  for (std::size_t i = 0; i < 32; ++i) {
    sig[i] = r_enc[i];
    sig[32 + i] = s_enc[i];
  }
  e2ee::wipe(r);
  e2ee::wipe(r_bytes);
  e2ee::wipe(s);
  e2ee::wipe(big_s);
  return sig;
}

namespace detail {

// parsed: a signature's public inputs after the checks of rule steps 2-5,
// with the points in group G's representation (detail::ed25519::group, the
// portable field, or detail::ed25519_mulx::group, the MULX/ADX field).
template <class G>
struct parsed {
  typename G::point a, r;          // decoded A and R
  std::array<std::uint8_t, 32> k;  // SHA-512(R || A || M) mod L
};

// parse_vartime: rule steps 2-5 (S < L, strict decoding of A and R, k).
// Returns false for any input the rule rejects before the equation.
// decode_vartime is G's (found by argument-dependent lookup).
template <class G>
constexpr bool parse_vartime(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> public_key,
                             std::span<const std::uint8_t> msg, parsed<G>& out) noexcept {
  namespace sc = e2ee::detail::sc25519;
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  if (!sc::is_canonical(sig.last<32>())) return false;
  bool ok_a = false, ok_r = false;
  decode2_vartime(public_key, r_enc, out.a, out.r, ok_a, ok_r);  // G's, both square roots at once
  if (!ok_a || !ok_r) return false;
  out.k = sc::to_bytes(hash_mod_l(r_enc, public_key, msg));
  return true;
}

// verify_with: verify on group G: [8]([S]B - [k]A - R) = O.
template <class G>
constexpr bool verify_with(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> public_key,
                           std::span<const std::uint8_t> msg) noexcept {
  parsed<G> p{};
  if (!parse_vartime<G>(sig, public_key, msg, p)) return false;
  // [8]([S]B - [k]A - R) = O: G's cofactored_check_vartime (argument-dependent lookup).
  return cofactored_check_vartime(p.k, p.a, p.r, sig.last<32>());
}

}  // namespace detail

// verify: true iff `sig` is a valid signature of `msg` under `public_key`
// according to the rule at the top of this file (strict encodings, S < L,
// cofactored equation). False for any malformed input; never crashes.
// Variable time: every input is public. Gives the same verdict as
// verify_batch on every input.
constexpr bool verify(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> public_key,
                      std::span<const std::uint8_t> msg) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (!std::is_constant_evaluated() && e2ee::detail::ed25519::mulx_enabled())
    return detail::verify_with<e2ee::detail::ed25519_mulx::group>(sig, public_key, msg);
#endif
  return detail::verify_with<e2ee::detail::ed25519::group>(sig, public_key, msg);
}

// signed_message: one item of a batch; the spans must stay valid during the call.
struct signed_message {
  std::span<const std::uint8_t, 64> signature;
  std::span<const std::uint8_t, 32> public_key;
  std::span<const std::uint8_t> message;
};

// batch_chunk: verify_batch checks at most this many signatures per random
// linear combination; a longer batch is done chunk after chunk, so the stack
// use is bounded (about 80 KB) whatever the batch size, with no heap.
inline constexpr std::size_t batch_chunk = 32;

namespace detail {
// batch_parse: the signatures verify_batch parses at once (parse_xn_vartime):
// 2·batch_parse square roots interleaved.
inline constexpr std::size_t batch_parse = 4;
}  // namespace detail

namespace detail {

// chunk_result: the outcome of one random linear combination.
enum class chunk_result { holds, fails, no_randomness };

// chunk_equation_vartime: for the items whose `parsed_ok` is set (at most
// batch_chunk of them), draws z_i (128 bits, low bit forced to 1, so never
// 0) from `rng` and checks
//   [8]( sum z_i·R_i + sum (z_i·k_i mod L)·A_i - (sum z_i·S_i mod L)·B ) = O
// by Straus' method: one shared chain of doublings, width-5 wNAF for A_i,
// width-4 wNAF for the 128-bit z_i on R_i, width-8 for B (constexpr table).
// If every item satisfies the single equation [8](S_i·B - k_i·A_i - R_i) = O
// this holds; if one does not, it holds with probability at most 2^-127
// (the [8]-multiplied differences lie in the subgroup of prime order L).
// G is the group (portable or MULX/ADX field, chosen once per batch); its
// operations are found by argument-dependent lookup.
template <class G, random_source R>
chunk_result chunk_equation_vartime(std::span<const signed_message> items, std::span<const parsed<G>> ps,
                                    std::span<const bool> parsed_ok, R& rng) noexcept {
  namespace ge = e2ee::detail::ed25519;
  namespace sc = e2ee::detail::sc25519;
  using cached_t = typename G::addend;
  // tables[12 m .. 12 m + 7]: 1·A, 3·A, ..., 15·A of the m-th parsed item;
  // tables[12 m + 8 .. 12 m + 11]: 1·R, 3·R, 5·R, 7·R.
  std::array<cached_t, 12 * batch_chunk> tables;
  // The non-zero digits of all the scalars, listed by position (a linked
  // list per position, through `next`): the chain of doublings then visits
  // each addition once instead of testing every scalar at every position.
  // At most 52 digits of width 5 below 2^257 and 33 of width 4 below 2^129
  // per item.
  struct addition {
    std::uint16_t entry;  // |d|·P is tables[entry]
    bool negative;        // d < 0
    std::uint16_t next;
  };
  static constexpr std::uint16_t none = 0xffff;
  std::array<addition, 85 * batch_chunk> adds;
  std::array<std::uint16_t, ge::naf_size> head;
  head.fill(none);
  std::size_t count = 0, top = 0;
  const auto push = [&](std::size_t table, std::size_t i, std::int8_t d) {
    adds[count] = {static_cast<std::uint16_t>(table + static_cast<std::size_t>(d > 0 ? d : -d) / 2), d < 0, head[i]};
    head[i] = static_cast<std::uint16_t>(count++);
    top = std::max(top, i + 1);
  };
  std::array<std::uint8_t, 16 * batch_chunk> zs{};
  const std::size_t n = items.size();
  if (!rng.fill(std::span<std::uint8_t>(zs.data(), 16 * n))) return chunk_result::no_randomness;
  sc::scalar s_sum{};
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!parsed_ok[i]) continue;
    std::array<std::uint8_t, 32> z{};
    for (std::size_t j = 0; j < 16; ++j) z[j] = zs[16 * i + j];
    z[0] = static_cast<std::uint8_t>(z[0] | 1u);
    const sc::scalar zk = sc::mul(sc::from_bytes(ps[i].k), sc::from_bytes(z));
    s_sum = sc::add(s_sum, sc::mul(sc::from_bytes(z), sc::from_bytes(items[i].signature.last<32>())));
    const std::size_t ta = 12 * m++, tr = ta + 8;
    odd_multiples_into(ps[i].a, std::span(tables).subspan(ta).template first<8>());
    odd_multiples_into(ps[i].r, std::span(tables).subspan(tr).template first<4>());
    ge::wnaf_each_vartime<5>(sc::to_bytes(zk), [&](std::size_t pos, std::int8_t d) { push(ta, pos, d); });
    ge::wnaf_each_vartime<4>(z, [&](std::size_t pos, std::int8_t d) { push(tr, pos, d); });
  }
  ge::naf_digits nb = ge::wnaf_vartime<ge::base_naf_width>(sc::to_bytes(s_sum));
  for (std::size_t i = ge::naf_size; i > top; --i)
    if (nb[i - 1] != 0) top = i;
  typename G::completed acc = dbl(to_p2(G::identity_point()));  // O as a p1p1
  for (std::size_t i = top; i-- > 0;) {
    straus_dbl_vartime(acc);
    for (std::uint16_t e = head[i]; e != none; e = adds[e].next)
      straus_add_vartime(acc, tables[adds[e].entry], adds[e].negative);
    if (nb[i] != 0) acc = add_digit_vartime(to_p3(acc), G::base_table(), static_cast<std::int8_t>(-nb[i]));
  }
  const typename G::point sum = to_p3(acc);
  return is_identity_vartime(mul_by_cofactor(sum)) ? chunk_result::holds : chunk_result::fails;
}

// parse_xn_vartime: parse_vartime of N items at once (ok[i] its verdict for
// items[i], out[i] its result when ok), the 2N decodings of A and R in one
// decode_xn_vartime (G's), so that their square roots run interleaved.
template <class G, std::size_t N>
void parse_xn_vartime(std::span<const signed_message, N> items, std::span<parsed<G>, N> out,
                      std::span<bool, N> ok) noexcept {
  namespace sc = e2ee::detail::sc25519;
  using encoding = std::span<const std::uint8_t, 32>;
  const auto enc = [&]<std::size_t... I>(std::index_sequence<I...>) {  // A_0, R_0, A_1, R_1, ...
    return std::array<encoding, 2 * N>{
        (I % 2 == 0 ? items[I / 2].public_key : items[I / 2].signature.template first<32>())...};
  }(std::make_index_sequence<2 * N>());
  std::array<typename G::point, 2 * N> points;
  std::array<bool, 2 * N> decoded{};
  decode_xn_vartime(enc, points, decoded);
  for (std::size_t i = 0; i < N; ++i) {
    ok[i] = sc::is_canonical(items[i].signature.template last<32>()) && decoded[2 * i] && decoded[2 * i + 1];
    if (!ok[i]) continue;
    out[i].a = points[2 * i];
    out[i].r = points[2 * i + 1];
    out[i].k = sc::to_bytes(hash_mod_l(enc[2 * i + 1], enc[2 * i], items[i].message));
  }
}

// verify_batch_impl: the verdict for all items; if `valid` is not empty, it
// receives each item's own verdict. Chunks whose combination fails (or for
// which the random source fails) are verified one signature at a time, so
// the per-item verdicts are exactly those of verify.
template <class G, random_source R>
bool verify_batch_with(std::span<const signed_message> items, std::span<bool> valid, R& rng) noexcept {
  const bool report = !valid.empty();
  bool all = true;
  for (std::size_t start = 0; start < items.size(); start += batch_chunk) {
    const std::size_t n = std::min(batch_chunk, items.size() - start);
    const auto chunk = items.subspan(start, n);
    std::array<parsed<G>, batch_chunk> ps{};
    std::array<bool, batch_chunk> ok{};
    bool all_parsed = true;
    std::size_t j = 0;
    for (; j + batch_parse <= n; j += batch_parse)  // 2·batch_parse square roots interleaved
      parse_xn_vartime<G, batch_parse>(chunk.subspan(j).template first<batch_parse>(),
                                       std::span(ps).subspan(j).template first<batch_parse>(),
                                       std::span(ok).subspan(j).template first<batch_parse>());
    for (; j < n; ++j) ok[j] = parse_vartime<G>(chunk[j].signature, chunk[j].public_key, chunk[j].message, ps[j]);
    for (j = 0; j < n; ++j) all_parsed = all_parsed && ok[j];
    if (!all_parsed && !report) return false;
    const chunk_result res = chunk_equation_vartime<G>(chunk, std::span<const parsed<G>>(ps.data(), n),
                                                    std::span<const bool>(ok.data(), n), rng);
    if (res == chunk_result::fails && !report) return false;
    for (std::size_t i = 0; i < n; ++i) {
      bool v = ok[i];
      if (v && res != chunk_result::holds) v = verify(chunk[i].signature, chunk[i].public_key, chunk[i].message);
      if (report) valid[start + i] = v;
      all = all && v;
    }
    if (!all && !report) return false;
  }
  return all;
}

// verify_batch_impl: verify_batch_with on the best kernel's group (the same
// one verify uses).
template <random_source R>
bool verify_batch_impl(std::span<const signed_message> items, std::span<bool> valid, R& rng) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (e2ee::detail::ed25519::mulx_enabled())
    return verify_batch_with<e2ee::detail::ed25519_mulx::group>(items, valid, rng);
#endif
  return verify_batch_with<e2ee::detail::ed25519::group>(items, valid, rng);
}

}  // namespace detail

// verify_batch: true iff every signature in `items` verifies, with the same
// verdict as calling verify on each (rule at the top of this file), but
// faster: one random linear combination per batch_chunk items, checked by
// one multi-scalar multiplication. The coefficients come from `rng`
// (128 bits each); a failing random source makes it verify one by one.
// An empty batch is valid. Variable time: all inputs are public.
// A false answer says only that some signature is bad; the overloads with
// `valid` say which.
template <random_source R>
bool verify_batch(std::span<const signed_message> items, R& rng) noexcept {
  return detail::verify_batch_impl(items, std::span<bool>(), rng);
}
inline bool verify_batch(std::span<const signed_message> items) noexcept {
  os_random rng;
  return verify_batch(items, rng);
}

// verify_batch with a report: valid[i] receives the verdict of verify on
// items[i] (a failing chunk is re-checked signature by signature). Returns
// true iff all are valid. valid.size() must equal items.size(); otherwise
// nothing is verified, every entry of `valid` is set to false and the result
// is false. (std::vector<bool> is not contiguous bools: use std::array<bool,
// N> or std::unique_ptr<bool[]>.)
template <random_source R>
bool verify_batch(std::span<const signed_message> items, std::span<bool> valid, R& rng) noexcept {
  if (valid.size() != items.size()) {
    for (auto& v : valid) v = false;
    return false;
  }
  if (items.empty()) return true;
  return detail::verify_batch_impl(items, valid, rng);
}
inline bool verify_batch(std::span<const signed_message> items, std::span<bool> valid) noexcept {
  os_random rng;
  return verify_batch(items, valid, rng);
}

}  // namespace ed25519
E2EE_NAMESPACE_END
