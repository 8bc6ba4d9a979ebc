// bench/bench_field25519.cpp — the Curve25519 field one operation at a time, and
// the X25519 ladder without its inversion, per field kernel.
//
//   fe25519_mul/<impl>          r = r·b: each multiplication waits for the last
//                               (latency)
//   fe25519_mul_x4/<impl>       four independent chains r_i = r_i·b per iteration:
//                               divide by 4 for the cost per multiplication when
//                               they overlap (throughput)
//   fe25519_sqr/<impl>          r = r^2 (latency); fe25519_sqr_x4 as mul_x4
//   fe25519_sqr_n10/<impl>      ten squarings in a row (mulx_adx: sqr_n, the
//                               value kept in registers)
//   fe25519_invert/<impl>       r = r^-1 (254 squarings and 11 multiplications)
//   x25519_ladder255/<impl>     the 255 steps of the X25519 ladder (5M + 4S +
//                               one multiplication by 121666 + 8 additions and
//                               the swap each), no inversion: divide by 255 for
//                               one step
//
// impl is e2ee:mulx_adx (detail/x86/field25519_mulx.hpp, 4x64 limbs) or
// e2ee:portable (ec/field25519.hpp, 5x51 limbs). Before each timed loop the
// operation is checked once against the other kernel (same value). The
// ladder row runs the library's own loop (mulx_adx: one asm block for all
// 255 steps; portable: x25519.hpp's ladder_step).
#include <e2ee/ec/x25519.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "bench_common.hpp"

namespace e2ee_bench {
namespace {

namespace pf = e2ee::detail::f25519;

using bytes32 = std::array<std::uint8_t, 32>;

bytes32 element_bytes(std::uint8_t seed) {
  bytes32 b{};
  for (std::size_t i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(seed + 37 * i);
  b[31] &= 0x7f;
  return b;
}

// ---- portable (5x51) -------------------------------------------------------------

void portable_mul(benchmark::State& st) {
  pf::tight a = pf::from_bytes(element_bytes(1));
  const pf::tight b = pf::from_bytes(element_bytes(2));
  run(st, 0, [&] {
    a = pf::mul(a, b);
    keep(a);
  });
}
void portable_mul_x4(benchmark::State& st) {
  std::array<pf::tight, 4> a{};
  for (std::size_t i = 0; i < 4; ++i) a[i] = pf::from_bytes(element_bytes(static_cast<std::uint8_t>(3 + i)));
  const pf::tight b = pf::from_bytes(element_bytes(2));
  run(st, 0, [&] {
    for (auto& x : a) x = pf::mul(x, b);
    keep(a);
  });
}
void portable_sqr(benchmark::State& st) {
  pf::tight a = pf::from_bytes(element_bytes(1));
  run(st, 0, [&] {
    a = pf::square(a);
    keep(a);
  });
}
void portable_sqr_x4(benchmark::State& st) {
  std::array<pf::tight, 4> a{};
  for (std::size_t i = 0; i < 4; ++i) a[i] = pf::from_bytes(element_bytes(static_cast<std::uint8_t>(3 + i)));
  run(st, 0, [&] {
    for (auto& x : a) x = pf::square(x);
    keep(a);
  });
}
void portable_sqr_n10(benchmark::State& st) {
  pf::tight a = pf::from_bytes(element_bytes(1));
  run(st, 0, [&] {
    a = pf::square_n(a, 10);
    keep(a);
  });
}
void portable_invert(benchmark::State& st) {
  pf::tight a = pf::from_bytes(element_bytes(1));
  run(st, 0, [&] {
    a = pf::invert(a);
    keep(a);
  });
}
void portable_ladder(benchmark::State& st) {
  const pf::tight x1 = pf::from_bytes(element_bytes(9));
  e2ee::x25519::detail::ladder_state s{pf::one, pf::zero, x1, pf::one};
  const bytes32 k = element_bytes(10);
  run(st, 0, [&] {
    for (int t = 254; t >= 0; --t) {
      const auto m = e2ee::ct::mask<std::uint64_t>::from_bit((k[static_cast<std::size_t>(t) / 8] >> (t % 8)) & 1u);
      pf::cswap(s.x2, s.x3, m);
      pf::cswap(s.z2, s.z3, m);
      e2ee::x25519::detail::ladder_step(s, x1);
    }
    keep(s);
  });
}

// ---- MULX/ADX (4x64) --------------------------------------------------------------

#if E2EE_HAVE_X86_KERNELS
namespace fx = e2ee::detail::f25519_mulx;

// same_value: the 4x64 and 5x51 elements are equal (mod p); else SkipWithError.
bool same_value(benchmark::State& st, const fx::fe64& a, const pf::tight& b) {
  return check(st, fx::to_bytes(a), pf::to_bytes(b), "mulx_adx against portable");
}

void mulx_mul(benchmark::State& st) {
  fx::fe64 a = fx::from_bytes(element_bytes(1));
  const fx::fe64 b = fx::from_bytes(element_bytes(2));
  fx::fe64 r;
  fx::mul(r, a, b);
  if (!same_value(st, r, pf::mul(pf::from_bytes(element_bytes(1)), pf::from_bytes(element_bytes(2))))) return;
  run(st, 0, [&] {
    fx::mul(a, a, b);
    keep(a);
  });
}
void mulx_mul_x4(benchmark::State& st) {
  std::array<fx::fe64, 4> a{};
  for (std::size_t i = 0; i < 4; ++i) a[i] = fx::from_bytes(element_bytes(static_cast<std::uint8_t>(3 + i)));
  const fx::fe64 b = fx::from_bytes(element_bytes(2));
  run(st, 0, [&] {
    fx::mul(a[0], a[0], b);
    fx::mul(a[1], a[1], b);
    fx::mul(a[2], a[2], b);
    fx::mul(a[3], a[3], b);
    keep(a);
  });
}
void mulx_sqr(benchmark::State& st) {
  fx::fe64 a = fx::from_bytes(element_bytes(1));
  fx::fe64 r;
  fx::sqr(r, a);
  if (!same_value(st, r, pf::square(pf::from_bytes(element_bytes(1))))) return;
  run(st, 0, [&] {
    fx::sqr(a, a);
    keep(a);
  });
}
void mulx_sqr_x4(benchmark::State& st) {
  std::array<fx::fe64, 4> a{};
  for (std::size_t i = 0; i < 4; ++i) a[i] = fx::from_bytes(element_bytes(static_cast<std::uint8_t>(3 + i)));
  run(st, 0, [&] {
    fx::sqr(a[0], a[0]);
    fx::sqr(a[1], a[1]);
    fx::sqr(a[2], a[2]);
    fx::sqr(a[3], a[3]);
    keep(a);
  });
}
void mulx_sqr_n10(benchmark::State& st) {
  fx::fe64 a = fx::from_bytes(element_bytes(1));
  fx::fe64 r;
  fx::sqr_n(r, a, 10);
  if (!same_value(st, r, pf::square_n(pf::from_bytes(element_bytes(1)), 10))) return;
  run(st, 0, [&] {
    fx::sqr_n(a, a, 10);
    keep(a);
  });
}
void mulx_invert(benchmark::State& st) {
  fx::fe64 a = fx::from_bytes(element_bytes(1));
  fx::fe64 r;
  fx::invert(r, a);
  if (!same_value(st, r, pf::invert(pf::from_bytes(element_bytes(1))))) return;
  run(st, 0, [&] {
    fx::invert(a, a);
    keep(a);
  });
}
void mulx_ladder(benchmark::State& st) {
  const bytes32 k = element_bytes(10);
  std::array<std::uint64_t, 255> masks{};
  for (int t = 254; t >= 0; --t)
    masks[static_cast<std::size_t>(254 - t)] =
        e2ee::ct::mask<std::uint64_t>::from_bit((k[static_cast<std::size_t>(t) / 8] >> (t % 8)) & 1u).value();
  fx::ladder_state s{};
  s.x1 = fx::from_bytes(element_bytes(9));
  s.x2 = fx::one;
  s.x3 = s.x1;
  s.z3 = fx::one;
  const std::uint64_t* m = masks.data();
  run(st, 0, [&] {
    keep(m);
    fx::ladder(s, m, masks.size());
    keep(s);
  });
}
#endif

void register_field25519() {
  struct row {
    const char* op;
    void (*portable)(benchmark::State&);
#if E2EE_HAVE_X86_KERNELS
    void (*mulx)(benchmark::State&);
#endif
  };
#if E2EE_HAVE_X86_KERNELS
#define E2EE_BENCH_ROW(op, p, m) row{op, p, m}
#else
#define E2EE_BENCH_ROW(op, p, m) row{op, p}
#endif
  const std::array rows{
      E2EE_BENCH_ROW("fe25519_mul", &portable_mul, &mulx_mul),
      E2EE_BENCH_ROW("fe25519_mul_x4", &portable_mul_x4, &mulx_mul_x4),
      E2EE_BENCH_ROW("fe25519_sqr", &portable_sqr, &mulx_sqr),
      E2EE_BENCH_ROW("fe25519_sqr_x4", &portable_sqr_x4, &mulx_sqr_x4),
      E2EE_BENCH_ROW("fe25519_sqr_n10", &portable_sqr_n10, &mulx_sqr_n10),
      E2EE_BENCH_ROW("fe25519_invert", &portable_invert, &mulx_invert),
      E2EE_BENCH_ROW("x25519_ladder255", &portable_ladder, &mulx_ladder),
  };
#undef E2EE_BENCH_ROW
  for (const row& r : rows) {
    note_kernel(r.op, e2ee::to_string(e2ee::best_x25519_impl()));
#if E2EE_HAVE_X86_KERNELS
    if (e2ee::supported(e2ee::x25519_impl::mulx_adx)) add(r.op, "e2ee:mulx_adx", 0, r.mulx);
#endif
    add(r.op, "e2ee:portable", 0, r.portable);
  }
}

const registrar reg_field25519(&register_field25519, 29);

}  // namespace
}  // namespace e2ee_bench
