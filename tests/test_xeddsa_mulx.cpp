// XEdDSA verification on the MULX/ADX field (xeddsa::detail::verify_mulx:
// three exponentiations interleaved, R decoded and compared projectively)
// against the portable verification (verify_portable: y by inversion, A by
// its square root, enc(s·B - h·A) compared as bytes): the same verdict on
// valid signatures, on every kind of tampering, on small-order and
// non-canonical keys, and on R replaced by small-order points, x = 0
// encodings with the sign bit set, and y >= p aliases.
#include <e2ee/core/config.hpp>

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/curve25519_kernels.hpp>
#include <e2ee/ec/x25519.hpp>
#include <e2ee/ec/xeddsa.hpp>

#include "support/rng.hpp"

namespace {

using e2ee::hex;
using bytes32 = std::array<std::uint8_t, 32>;

// Encodings with special y: small-order points (identity, (0, -1), order 4
// and 8), the x = 0 points with the sign bit set, and y = p, p + 1 (aliases
// of 0 and 1), y = 2^255 - 1.
std::vector<bytes32> special_r() {
  return {hex<32>("0100000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("0100000000000000000000000000000000000000000000000000000000000080"),
          hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000080"),
          hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
          hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
          hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")};
}

}  // namespace

TEST_CASE("xeddsa mulx_adx: verify gives the portable verdicts", "[xeddsa][mulx_adx]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX: MULX/ADX XEdDSA verification not tested");
    return;
  }
  namespace xd = e2ee::xeddsa::detail;
  test::rng r(0x3dd5a);
  INFO("seed " << r.seed());
  const auto sr = special_r();
  std::size_t accepted = 0;
  for (int i = 0; i < 400; ++i) {
    INFO("case " << i);
    bytes32 k{};
    r.fill(k);
    bytes32 pub = e2ee::x25519::public_key(k);
    std::array<std::uint8_t, 40> msg{};
    r.fill(msg);
    std::array<std::uint8_t, 64> z{};
    r.fill(z);
    auto sig = e2ee::xeddsa::sign(k, msg, z);
    switch (i % 10) {  // none, R bit, s bit, key bit, message, sign bit, special R, special key, u small
      case 1: sig[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 2: sig[32 + r.below(31)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 3: pub[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 4: msg[r.below(msg.size())] ^= 1; break;
      case 5: sig[63] ^= 0x80; break;
      case 6: {
        const auto& e = sr[r.below(sr.size())];
        for (std::size_t j = 0; j < 32; ++j) sig[j] = e[j];
        break;
      }
      case 7: {
        pub = sr[r.below(sr.size())];  // small order, aliases and x = 0 as u values
        if (i % 20 == 7) pub.fill(0xff);
        break;
      }
      case 8: {
        pub = bytes32{};
        pub[0] = static_cast<std::uint8_t>(r.below(20));  // u = 0..19 (small order among them)
        break;
      }
      default: break;
    }
    const bool vp = xd::verify_portable(pub, msg, sig);
    const bool vm = xd::verify_mulx(pub, msg, sig);
    REQUIRE(vp == vm);
    REQUIRE(e2ee::xeddsa::verify(pub, msg, sig) == vp);
    if (vp) ++accepted;
  }
  CHECK(accepted >= 40);
}

TEST_CASE("xeddsa mulx_adx: small-order key, R = enc(s·B) accepted on both", "[xeddsa][mulx_adx]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) return;
  namespace xd = e2ee::xeddsa::detail;
  namespace ge = e2ee::detail::ed25519;
  // u = 0 is (0, -1), order 2: with h even, s·B - h·A = s·B, so
  // R = enc(s·B) verifies. Both kernels must accept exactly those messages.
  test::rng r(0x0a0);
  const bytes32 u0{};
  std::size_t accepted = 0;
  for (int i = 0; i < 64; ++i) {
    bytes32 s{};
    r.fill(s);
    s[31] &= 0x0f;
    std::array<std::uint8_t, 64> sig{};
    const auto rb = ge::encode(ge::scalarmult_base(s));
    for (std::size_t j = 0; j < 32; ++j) {
      sig[j] = rb[j];
      sig[32 + j] = s[j];
    }
    sig[63] = static_cast<std::uint8_t>(sig[63] | ((i & 1) << 7));
    std::array<std::uint8_t, 8> msg{};
    r.fill(msg);
    const bool vp = xd::verify_portable(u0, msg, sig);
    REQUIRE(xd::verify_mulx(u0, msg, sig) == vp);
    if (vp) ++accepted;
  }
  CHECK(accepted > 10);
}

#endif  // E2EE_HAVE_X86_KERNELS
