// e2ee/detail/x86/field25519_mulx.hpp — GF(2^255 - 19) with four 64-bit limbs
// and the BMI2/ADX instructions (MULX, ADCX, ADOX), and the X25519 Montgomery
// ladder on it. Internal; ec/x25519.hpp dispatches here when the CPU has both,
// and edwards25519_mulx.hpp builds the Edwards group on these operations
// (neg, cmov, cneg, is_zero_mask, equal_mask, is_negative, invert (by
// divsteps), pow22523, sqrt_ratio, the N-way interleaved exponentiation,
// from_portable).
//
// Representation: value = v[0] + v[1]·2^64 + v[2]·2^128 + v[3]·2^192, any
// value in [0, 2^256): partially reduced, so an element x of GF(p) may also
// appear as x + p, or x + 2p when x < 38. Every operation takes any value in
// that range and returns one; only reduce/to_bytes give [0, p). The high half
// of a product folds back with 2^256 = 38 (mod p).
//
// mul/sqr: the 512-bit product in two carry chains (ADCX for the low halves,
// ADOX for the high halves of the MULX products, as in Intel's "New
// Instructions Supporting Large Integer Arithmetic", 2012), then
// low + 38·high, one more fold of the carry word, and a last conditional +38
// that cannot carry. 16 (mul) or 10 (sqr) MULX for the product, 4 for the fold.
//
// Inline asm, AT&T syntax ("mulx src, lo, hi"). The text of each operation
// is a macro (E2EE_F25519_X_MUL etc.) on address operands, used twice: by the
// one-operation functions below (mul, sqr, add, sub, mul_small: each block
// names its scratch registers, rax, rbx, rdx, r8-r15, and takes only
// pointers, so it also compiles at -O0 and with sanitizers; the "memory"
// clobber orders the blocks with the C++ code around them, the processor
// still overlaps independent blocks out of order), and by ladder_asm, the
// whole X25519 ladder in one block with its values on the stack.
//
// Constant time: no branch, no secret-dependent address; MULX/ADCX/ADOX and
// CMOV-free mask selection run in data-independent time on current x86 cores.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../core/cpu.hpp"
#include "../../core/ct.hpp"
#include "../../core/secret.hpp"
#include "../../ec/field25519.hpp"
#include "field25519_ifma.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail::f25519_mulx {

__extension__ using u128 = unsigned __int128;

// fe64: four little-endian 64-bit limbs, value in [0, 2^256) (see above).
struct alignas(32) fe64 {
  std::array<std::uint64_t, 4> v{};
};

// ---- the field operations as asm text ----
// Each macro is the text of one operation; operands are address strings
// ("0(%1)", "32(%%rsp)", ...), and "8+" X addresses the next limb (GAS
// evaluates the displacement expression). mul/sqr/add/sub/mul_small below
// and the ladder block (ladder_asm) are built from the same text. Scratch
// registers: rax, rbx, rdx, r8-r15 (the swap also reads its mask in rcx).
//
// FOLD: r8..r15 hold the 512-bit product t0..t7; writes
// (t0..t3 + 38·(t4..t7)) mod p, < 2^256, to D.
#define E2EE_F25519_X_FOLD(D)                                                 \
  "movl $38, %%edx\n\t"                                                       \
  "xorl %%ebx, %%ebx\n\t"                                                     \
  "mulxq %%r12, %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r8\n\t"                                                     \
  "adoxq %%rbx, %%r9\n\t"                                                     \
  "mulxq %%r13, %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r9\n\t"                                                     \
  "adoxq %%rbx, %%r10\n\t"                                                    \
  "mulxq %%r14, %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r10\n\t"                                                    \
  "adoxq %%rbx, %%r11\n\t"                                                    \
  "mulxq %%r15, %%rax, %%r12\n\t"                                             \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adoxq %%rax, %%r12\n\t"                                                    \
  "adcxq %%rax, %%r12\n\t" /* r12 = carry word <= 39 */                       \
  "imulq $38, %%r12, %%r12\n\t"                                               \
  "addq %%r12, %%r8\n\t"                                                      \
  "adcq $0, %%r9\n\t"                                                         \
  "adcq $0, %%r10\n\t"                                                        \
  "adcq $0, %%r11\n\t"                                                        \
  "sbbq %%rax, %%rax\n\t"                                                     \
  "andq $38, %%rax\n\t" /* wrapped: r8 is now small, +38 cannot carry */      \
  "addq %%rax, %%r8\n\t"                                                      \
  "movq %%r8, " D "\n\t"                                                      \
  "movq %%r9, 8+" D "\n\t"                                                    \
  "movq %%r10, 16+" D "\n\t"                                                  \
  "movq %%r11, 24+" D "\n\t"

#define E2EE_F25519_X_MUL(D, A, B)                                            \
  "movq " A ", %%rdx\n\t"                                                     \
  "mulxq " B ", %%r8, %%r9\n\t"                                               \
  "mulxq 8+" B ", %%rax, %%r10\n\t"                                           \
  "addq %%rax, %%r9\n\t"                                                      \
  "mulxq 16+" B ", %%rax, %%r11\n\t"                                          \
  "adcq %%rax, %%r10\n\t"                                                     \
  "mulxq 24+" B ", %%rax, %%r12\n\t"                                          \
  "adcq %%rax, %%r11\n\t"                                                     \
  "adcq $0, %%r12\n\t"                                                        \
  "movq 8+" A ", %%rdx\n\t"                                                   \
  "xorl %%ebx, %%ebx\n\t"                                                     \
  "mulxq " B ", %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r9\n\t"                                                     \
  "adoxq %%rbx, %%r10\n\t"                                                    \
  "mulxq 8+" B ", %%rax, %%rbx\n\t"                                           \
  "adcxq %%rax, %%r10\n\t"                                                    \
  "adoxq %%rbx, %%r11\n\t"                                                    \
  "mulxq 16+" B ", %%rax, %%rbx\n\t"                                          \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "adoxq %%rbx, %%r12\n\t"                                                    \
  "mulxq 24+" B ", %%rax, %%r13\n\t"                                          \
  "adcxq %%rax, %%r12\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adoxq %%rax, %%r13\n\t"                                                    \
  "adcxq %%rax, %%r13\n\t"                                                    \
  "movq 16+" A ", %%rdx\n\t"                                                  \
  "xorl %%ebx, %%ebx\n\t"                                                     \
  "mulxq " B ", %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r10\n\t"                                                    \
  "adoxq %%rbx, %%r11\n\t"                                                    \
  "mulxq 8+" B ", %%rax, %%rbx\n\t"                                           \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "adoxq %%rbx, %%r12\n\t"                                                    \
  "mulxq 16+" B ", %%rax, %%rbx\n\t"                                          \
  "adcxq %%rax, %%r12\n\t"                                                    \
  "adoxq %%rbx, %%r13\n\t"                                                    \
  "mulxq 24+" B ", %%rax, %%r14\n\t"                                          \
  "adcxq %%rax, %%r13\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adoxq %%rax, %%r14\n\t"                                                    \
  "adcxq %%rax, %%r14\n\t"                                                    \
  "movq 24+" A ", %%rdx\n\t"                                                  \
  "xorl %%ebx, %%ebx\n\t"                                                     \
  "mulxq " B ", %%rax, %%rbx\n\t"                                             \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "adoxq %%rbx, %%r12\n\t"                                                    \
  "mulxq 8+" B ", %%rax, %%rbx\n\t"                                           \
  "adcxq %%rax, %%r12\n\t"                                                    \
  "adoxq %%rbx, %%r13\n\t"                                                    \
  "mulxq 16+" B ", %%rax, %%rbx\n\t"                                          \
  "adcxq %%rax, %%r13\n\t"                                                    \
  "adoxq %%rbx, %%r14\n\t"                                                    \
  "mulxq 24+" B ", %%rax, %%r15\n\t"                                          \
  "adcxq %%rax, %%r14\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adoxq %%rax, %%r15\n\t"                                                    \
  "adcxq %%rax, %%r15\n\t"                                                    \
  E2EE_F25519_X_FOLD(D)

#define E2EE_F25519_X_SQR(D, A)                                               \
  "xorl %%ebx, %%ebx\n\t"                                                     \
  "movq " A ", %%rdx\n\t"                                                     \
  "mulxq 8+" A ", %%r9, %%r10\n\t"                                            \
  "mulxq 16+" A ", %%rax, %%r11\n\t"                                          \
  "adcxq %%rax, %%r10\n\t"                                                    \
  "mulxq 24+" A ", %%rax, %%r12\n\t"                                          \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adcxq %%rax, %%r12\n\t"                                                    \
  "movq 8+" A ", %%rdx\n\t"                                                   \
  "mulxq 16+" A ", %%rax, %%rbx\n\t"                                          \
  "adcxq %%rax, %%r11\n\t"                                                    \
  "adoxq %%rbx, %%r12\n\t"                                                    \
  "mulxq 24+" A ", %%rax, %%r13\n\t"                                          \
  "adcxq %%rax, %%r12\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adoxq %%rax, %%r13\n\t"                                                    \
  "adcxq %%rax, %%r13\n\t"                                                    \
  "movq 16+" A ", %%rdx\n\t"                                                  \
  "mulxq 24+" A ", %%rax, %%r14\n\t"                                          \
  "adcxq %%rax, %%r13\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adcxq %%rax, %%r14\n\t"                                                    \
  "movq " A ", %%rdx\n\t"                                                     \
  "mulxq %%rdx, %%r8, %%rax\n\t"                                              \
  "adcxq %%r9, %%r9\n\t"                                                      \
  "adoxq %%rax, %%r9\n\t"                                                     \
  "movq 8+" A ", %%rdx\n\t"                                                   \
  "mulxq %%rdx, %%rax, %%rbx\n\t"                                             \
  "adcxq %%r10, %%r10\n\t"                                                    \
  "adoxq %%rax, %%r10\n\t"                                                    \
  "adcxq %%r11, %%r11\n\t"                                                    \
  "adoxq %%rbx, %%r11\n\t"                                                    \
  "movq 16+" A ", %%rdx\n\t"                                                  \
  "mulxq %%rdx, %%rax, %%rbx\n\t"                                             \
  "adcxq %%r12, %%r12\n\t"                                                    \
  "adoxq %%rax, %%r12\n\t"                                                    \
  "adcxq %%r13, %%r13\n\t"                                                    \
  "adoxq %%rbx, %%r13\n\t"                                                    \
  "movq 24+" A ", %%rdx\n\t"                                                  \
  "mulxq %%rdx, %%rax, %%r15\n\t"                                             \
  "adcxq %%r14, %%r14\n\t"                                                    \
  "adoxq %%rax, %%r14\n\t"                                                    \
  "movl $0, %%eax\n\t"                                                        \
  "adcxq %%rax, %%r15\n\t"                                                    \
  "adoxq %%rax, %%r15\n\t"                                                    \
  E2EE_F25519_X_FOLD(D)

// ADD/SUB: the sum/difference with the carry/borrow folded back as +-38.
#define E2EE_F25519_X_ADDSUB(D, X, Y, OP, OPC)                                \
  "movq " X ", %%r8\n\t"                                                      \
  OP " " Y ", %%r8\n\t"                                                       \
  "movq 8+" X ", %%r9\n\t"                                                    \
  OPC " 8+" Y ", %%r9\n\t"                                                    \
  "movq 16+" X ", %%r10\n\t"                                                  \
  OPC " 16+" Y ", %%r10\n\t"                                                  \
  "movq 24+" X ", %%r11\n\t"                                                  \
  OPC " 24+" Y ", %%r11\n\t"                                                  \
  "sbbq %%rax, %%rax\n\t"                                                     \
  "andq $38, %%rax\n\t"                                                       \
  OP " %%rax, %%r8\n\t"                                                       \
  OPC " $0, %%r9\n\t"                                                         \
  OPC " $0, %%r10\n\t"                                                        \
  OPC " $0, %%r11\n\t"                                                        \
  "sbbq %%rax, %%rax\n\t"                                                     \
  "andq $38, %%rax\n\t"                                                       \
  OP " %%rax, %%r8\n\t"                                                       \
  "movq %%r8, " D "\n\t"                                                      \
  "movq %%r9, 8+" D "\n\t"                                                    \
  "movq %%r10, 16+" D "\n\t"                                                  \
  "movq %%r11, 24+" D "\n\t"
#define E2EE_F25519_X_ADD(D, X, Y) E2EE_F25519_X_ADDSUB(D, X, Y, "addq", "adcq")
#define E2EE_F25519_X_SUB(D, X, Y) E2EE_F25519_X_ADDSUB(D, X, Y, "subq", "sbbq")

// MUL_SMALL: D = k·X for the k < 2^32 already in rdx. MUL_SMALL_ADD:
// D = k·X + Y, the addition inside the same carry fold.
#define E2EE_F25519_X_MUL_SMALL_PRODUCT(X)                                    \
  "mulxq " X ", %%r8, %%r9\n\t"                                               \
  "mulxq 8+" X ", %%rax, %%r10\n\t"                                           \
  "addq %%rax, %%r9\n\t"                                                      \
  "mulxq 16+" X ", %%rax, %%r11\n\t"                                          \
  "adcq %%rax, %%r10\n\t"                                                     \
  "mulxq 24+" X ", %%rax, %%rbx\n\t"                                          \
  "adcq %%rax, %%r11\n\t"                                                     \
  "adcq $0, %%rbx\n\t"
#define E2EE_F25519_X_MUL_SMALL(D, X)                                         \
  E2EE_F25519_X_MUL_SMALL_PRODUCT(X)                                          \
  E2EE_F25519_X_MUL_SMALL_FOLD(D)
#define E2EE_F25519_X_MUL_SMALL_ADD(D, X, Y)                                  \
  E2EE_F25519_X_MUL_SMALL_PRODUCT(X)                                          \
  "addq " Y ", %%r8\n\t"                                                      \
  "adcq 8+" Y ", %%r9\n\t"                                                    \
  "adcq 16+" Y ", %%r10\n\t"                                                  \
  "adcq 24+" Y ", %%r11\n\t"                                                  \
  "adcq $0, %%rbx\n\t"                                                        \
  E2EE_F25519_X_MUL_SMALL_FOLD(D)
#define E2EE_F25519_X_MUL_SMALL_FOLD(D)                                       \
  "imulq $38, %%rbx, %%rbx\n\t"                                               \
  "addq %%rbx, %%r8\n\t"                                                      \
  "adcq $0, %%r9\n\t"                                                         \
  "adcq $0, %%r10\n\t"                                                        \
  "adcq $0, %%r11\n\t"                                                        \
  "sbbq %%rax, %%rax\n\t"                                                     \
  "andq $38, %%rax\n\t"                                                       \
  "addq %%rax, %%r8\n\t"                                                      \
  "movq %%r8, " D "\n\t"                                                      \
  "movq %%r9, 8+" D "\n\t"                                                    \
  "movq %%r10, 16+" D "\n\t"                                                  \
  "movq %%r11, 24+" D "\n\t"

// CSWAP: swaps X and Y iff the mask in rcx is all ones.
#define E2EE_F25519_X_CSWAP_LIMB(X, Y)                                        \
  "movq " X ", %%r8\n\t"                                                      \
  "movq " Y ", %%r9\n\t"                                                      \
  "movq %%r8, %%r10\n\t"                                                      \
  "xorq %%r9, %%r10\n\t"                                                      \
  "andq %%rcx, %%r10\n\t"                                                     \
  "xorq %%r10, %%r8\n\t"                                                      \
  "xorq %%r10, %%r9\n\t"                                                      \
  "movq %%r8, " X "\n\t"                                                      \
  "movq %%r9, " Y "\n\t"
#define E2EE_F25519_X_CSWAP(X, Y)                                             \
  E2EE_F25519_X_CSWAP_LIMB(X, Y) E2EE_F25519_X_CSWAP_LIMB("8+" X, "8+" Y)     \
  E2EE_F25519_X_CSWAP_LIMB("16+" X, "16+" Y) E2EE_F25519_X_CSWAP_LIMB("24+" X, "24+" Y)


// mul: r = a·b. r may alias a or b (the inputs are read before r is written).
[[gnu::target("bmi2,adx")]] inline void mul(fe64& r, const fe64& a, const fe64& b) noexcept {
  __asm__ volatile(E2EE_F25519_X_MUL("0(%0)", "0(%1)", "0(%2)")
                   :
                   : "r"(r.v.data()), "r"(a.v.data()), "r"(b.v.data())
                   : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

// sqr: r = a^2 (r may alias a). Six cross products, doubled, plus four squares.
[[gnu::target("bmi2,adx")]] inline void sqr(fe64& r, const fe64& a) noexcept {
  __asm__ volatile(E2EE_F25519_X_SQR("0(%0)", "0(%1)")
                   :
                   : "r"(r.v.data()), "r"(a.v.data())
                   : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

// add: r = a + b; a carry out of 2^256 comes back as +38 (twice at most).
[[gnu::target("bmi2,adx")]] inline void add(fe64& r, const fe64& a, const fe64& b) noexcept {
  __asm__ volatile(E2EE_F25519_X_ADD("0(%0)", "0(%1)", "0(%2)")
                   :
                   : "r"(r.v.data()), "r"(a.v.data()), "r"(b.v.data())
                   : "rax", "r8", "r9", "r10", "r11", "cc", "memory");
}

// sub: r = a - b; a borrow out of 2^256 comes back as -38 (twice at most).
[[gnu::target("bmi2,adx")]] inline void sub(fe64& r, const fe64& a, const fe64& b) noexcept {
  __asm__ volatile(E2EE_F25519_X_SUB("0(%0)", "0(%1)", "0(%2)")
                   :
                   : "r"(r.v.data()), "r"(a.v.data()), "r"(b.v.data())
                   : "rax", "r8", "r9", "r10", "r11", "cc", "memory");
}

// mul_small: r = a·k for a public k < 2^32 (121666 = (A + 2) / 4 in the ladder).
[[gnu::target("bmi2,adx")]] inline void mul_small(fe64& r, const fe64& a, std::uint32_t k) noexcept {
  __asm__ volatile(
      "movl %2, %%edx\n\t"
      E2EE_F25519_X_MUL_SMALL("0(%0)", "0(%1)")
      :
      : "r"(r.v.data()), "r"(a.v.data()), "r"(k)
      : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");
}

// mul_small_add: r = a·k + b for a public k < 2^32, in one fold (the
// ladder's 121666·E + BB).
[[gnu::target("bmi2,adx")]] inline void mul_small_add(fe64& r, const fe64& a, std::uint32_t k, const fe64& b) noexcept {
  __asm__ volatile(
      "movl %2, %%edx\n\t"
      E2EE_F25519_X_MUL_SMALL_ADD("0(%0)", "0(%1)", "0(%3)")
      :
      : "r"(r.v.data()), "r"(a.v.data()), "r"(k), "r"(b.v.data())
      : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");
}

// sqr_n: r = a^(2^n), n >= 1 public. One asm block: the value stays in
// r8..r11 from one squaring to the next (sqr's steps with its registers
// renamed: t1..t6 in r12-r15, rcx, rsi; t0 and t7 in r8 and r11 once x0 and
// x3 are read), so the chains of squarings in pow22523 (square roots), which
// are latency bound, skip a store and a reload per squaring (about 4% off
// the exponentiation). The count is public (a loop over n). One pointer register
// (r, after r = a), so that the block fits at -O0 beside its 13 scratch
// registers; GCC's AddressSanitizer (GCC 12, 2026-11) still cannot find
// that one, so ASan builds square one block at a time.
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void sqr_n(fe64& r, const fe64& a, int n) noexcept {
#if defined(__SANITIZE_ADDRESS__)
  sqr(r, a);
  for (int i = 1; i < n; ++i) sqr(r, r);
#else
  r = a;
  unsigned count = static_cast<unsigned>(n);
  __asm__ volatile(
      "movq 0(%1), %%r8\n\t"
      "movq 8(%1), %%r9\n\t"
      "movq 16(%1), %%r10\n\t"
      "movq 24(%1), %%r11\n\t"
      "1:\n\t"
      "xorl %%ebx, %%ebx\n\t"
      "movq %%r8, %%rdx\n\t"
      "mulxq %%r9, %%r12, %%r13\n\t"
      "mulxq %%r10, %%rax, %%r14\n\t"
      "adcxq %%rax, %%r13\n\t"
      "mulxq %%r11, %%rax, %%r15\n\t"
      "adcxq %%rax, %%r14\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %%r15\n\t"
      "movq %%r9, %%rdx\n\t"
      "mulxq %%r10, %%rax, %%rbx\n\t"
      "adcxq %%rax, %%r14\n\t"
      "adoxq %%rbx, %%r15\n\t"
      "mulxq %%r11, %%rax, %%rcx\n\t"
      "adcxq %%rax, %%r15\n\t"
      "movl $0, %%eax\n\t"
      "adoxq %%rax, %%rcx\n\t"
      "adcxq %%rax, %%rcx\n\t"
      "movq %%r10, %%rdx\n\t"
      "mulxq %%r11, %%rax, %%rsi\n\t"
      "adcxq %%rax, %%rcx\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %%rsi\n\t"
      "movq %%r8, %%rdx\n\t"
      "mulxq %%rdx, %%r8, %%rax\n\t"
      "adcxq %%r12, %%r12\n\t"
      "adoxq %%rax, %%r12\n\t"
      "movq %%r9, %%rdx\n\t"
      "mulxq %%rdx, %%rax, %%rbx\n\t"
      "adcxq %%r13, %%r13\n\t"
      "adoxq %%rax, %%r13\n\t"
      "adcxq %%r14, %%r14\n\t"
      "adoxq %%rbx, %%r14\n\t"
      "movq %%r10, %%rdx\n\t"
      "mulxq %%rdx, %%rax, %%rbx\n\t"
      "adcxq %%r15, %%r15\n\t"
      "adoxq %%rax, %%r15\n\t"
      "adcxq %%rcx, %%rcx\n\t"
      "adoxq %%rbx, %%rcx\n\t"
      "movq %%r11, %%rdx\n\t"
      "mulxq %%rdx, %%rax, %%r11\n\t"
      "adcxq %%rsi, %%rsi\n\t"
      "adoxq %%rax, %%rsi\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %%r11\n\t"
      "adoxq %%rax, %%r11\n\t"
      "movl $38, %%edx\n\t"
      "xorl %%ebx, %%ebx\n\t"
      "mulxq %%r15, %%rax, %%rbx\n\t"
      "adcxq %%rax, %%r8\n\t"
      "adoxq %%rbx, %%r12\n\t"
      "mulxq %%rcx, %%rax, %%rbx\n\t"
      "adcxq %%rax, %%r12\n\t"
      "adoxq %%rbx, %%r13\n\t"
      "mulxq %%rsi, %%rax, %%rbx\n\t"
      "adcxq %%rax, %%r13\n\t"
      "adoxq %%rbx, %%r14\n\t"
      "mulxq %%r11, %%rax, %%r15\n\t"
      "adcxq %%rax, %%r14\n\t"
      "movl $0, %%eax\n\t"
      "adoxq %%rax, %%r15\n\t"
      "adcxq %%rax, %%r15\n\t"
      "imulq $38, %%r15, %%r15\n\t"
      "addq %%r15, %%r8\n\t"
      "adcq $0, %%r12\n\t"
      "adcq $0, %%r13\n\t"
      "adcq $0, %%r14\n\t"
      "sbbq %%rax, %%rax\n\t"
      "andq $38, %%rax\n\t"
      "addq %%rax, %%r8\n\t"
      "movq %%r12, %%r9\n\t"
      "movq %%r13, %%r10\n\t"
      "movq %%r14, %%r11\n\t"
      "decl %0\n\t"
      "jnz 1b\n\t"
      "movq %%r8, 0(%1)\n\t"
      "movq %%r9, 8(%1)\n\t"
      "movq %%r10, 16(%1)\n\t"
      "movq %%r11, 24(%1)\n\t"
      : "+m"(count)
      : "r"(r.v.data())
      : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
#endif
}

// pow_2_250_1: r = a^(2^250 - 1) and a11 = a^11, the prefix of pow22523
// (the addition chain of the portable field25519: 11 multiplications, 249
// squarings). Public exponent: a fixed sequence.
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void pow_2_250_1(fe64& r, fe64& a11, const fe64& a) noexcept {
  fe64 a2, a9, e5, e10, e20, e50, e100, t;
  sqr(a2, a);               // 2
  sqr_n(t, a2, 2);          // 8
  mul(a9, t, a);            // 9
  mul(a11, a9, a2);         // 11
  sqr(t, a11);              // 22
  mul(e5, t, a9);           // 2^5 - 1
  sqr_n(t, e5, 5);
  mul(e10, t, e5);          // 2^10 - 1
  sqr_n(t, e10, 10);
  mul(e20, t, e10);         // 2^20 - 1
  sqr_n(t, e20, 20);
  mul(t, t, e20);           // 2^40 - 1
  sqr_n(t, t, 10);
  mul(e50, t, e10);         // 2^50 - 1
  sqr_n(t, e50, 50);
  mul(e100, t, e50);        // 2^100 - 1
  sqr_n(t, e100, 100);
  mul(t, t, e100);          // 2^200 - 1
  sqr_n(t, t, 50);
  mul(r, t, e50);           // 2^250 - 1
  e2ee::secure_wipe(&a2, sizeof a2);
  e2ee::secure_wipe(&a9, sizeof a9);
  e2ee::secure_wipe(&e5, sizeof e5);
  e2ee::secure_wipe(&e10, sizeof e10);
  e2ee::secure_wipe(&e20, sizeof e20);
  e2ee::secure_wipe(&e50, sizeof e50);
  e2ee::secure_wipe(&e100, sizeof e100);
  e2ee::secure_wipe(&t, sizeof t);
}

// pow22523: r = a^((p-5)/8) = a^(2^252 - 3), for square roots (RFC 8032
// 5.1.3). r may alias a.
[[gnu::target("bmi2,adx")]] inline void pow22523(fe64& r, const fe64& a) noexcept {
  fe64 a11, t;
  pow_2_250_1(t, a11, a);
  sqr_n(t, t, 2);
  mul(r, t, a);             // 2^252 - 4 + 1
  e2ee::secure_wipe(&a11, sizeof a11);
  e2ee::secure_wipe(&t, sizeof t);
}

// from_bytes: 32 little-endian bytes, bit 255 ignored (RFC 7748 5); values
// p..2^255-1 are kept as they are (they stand for value - p).
inline fe64 from_bytes(std::span<const std::uint8_t, 32> s) noexcept {
  fe64 r;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t w = 0;
    for (std::size_t j = 0; j < 8; ++j) w |= std::uint64_t{s[8 * i + j]} << (8 * j);
    r.v[i] = w;
  }
  r.v[3] &= 0x7fffffffffffffffULL;
  return r;
}

// reduce: the canonical representative in [0, p). Two folds of bit 255
// (+19 each) bring any value below 2^255; then subtract p iff value + 19
// reaches 2^255. No branch.
inline fe64 reduce(const fe64& a) noexcept {
  std::array<std::uint64_t, 4> h = a.v;
  for (int round = 0; round < 2; ++round) {
    const std::uint64_t top = h[3] >> 63;
    h[3] &= 0x7fffffffffffffffULL;
    u128 c = u128{h[0]} + 19 * top;
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) c += h[i];
      h[i] = static_cast<std::uint64_t>(c);
      c >>= 64;
    }
  }
  std::array<std::uint64_t, 4> g{};  // h + 19
  u128 c = u128{h[0]} + 19;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) c += h[i];
    g[i] = static_cast<std::uint64_t>(c);
    c >>= 64;
  }
  const auto ge_p = ct::mask<std::uint64_t>::from_bit(g[3] >> 63);  // h >= p
  g[3] &= 0x7fffffffffffffffULL;                                    // h + 19 - 2^255 = h - p
  fe64 r;
  for (std::size_t i = 0; i < 4; ++i) r.v[i] = ge_p.select(g[i], h[i]);
  return r;
}

// to_bytes: the canonical 32-byte little-endian encoding.
inline std::array<std::uint8_t, 32> to_bytes(const fe64& a) noexcept {
  const fe64 r = reduce(a);
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) out[8 * i + j] = static_cast<std::uint8_t>(r.v[i] >> (8 * j));
  return out;
}

// cswap: swaps a and b iff m is set. No branch, no secret address.
inline void cswap(fe64& a, fe64& b, ct::mask<std::uint64_t> m) noexcept {
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t t = m.select(a.v[i] ^ b.v[i], 0);
    a.v[i] ^= t;
    b.v[i] ^= t;
  }
}

// zero / one as fe64.
inline constexpr fe64 zero{{0, 0, 0, 0}};
inline constexpr fe64 one{{1, 0, 0, 0}};

// neg: r = -a = 0 - a (r may alias a).
[[gnu::target("bmi2,adx")]] inline void neg(fe64& r, const fe64& a) noexcept { sub(r, zero, a); }

// dbl: r = 2a (r may alias a).
[[gnu::target("bmi2,adx")]] inline void dbl(fe64& r, const fe64& a) noexcept { add(r, a, a); }

// cmov: a = b if m is set, else a unchanged. No branch, no secret address.
inline void cmov(fe64& a, const fe64& b, ct::mask<std::uint64_t> m) noexcept {
  for (std::size_t i = 0; i < 4; ++i) a.v[i] = m.select(b.v[i], a.v[i]);
}

// cneg: a = -a if m is set.
[[gnu::target("bmi2,adx")]] inline void cneg(fe64& a, ct::mask<std::uint64_t> m) noexcept {
  fe64 n;
  neg(n, a);
  cmov(a, n, m);
}

// is_zero_mask: all ones iff a = 0 (mod p) (0, p and 2p all count).
inline ct::mask<std::uint64_t> is_zero_mask(const fe64& a) noexcept {
  const fe64 r = reduce(a);
  return ct::mask<std::uint64_t>::is_zero(r.v[0] | r.v[1] | r.v[2] | r.v[3]);
}

// equal_mask: all ones iff a = b (mod p).
[[gnu::target("bmi2,adx")]] inline ct::mask<std::uint64_t> equal_mask(const fe64& a, const fe64& b) noexcept {
  fe64 d;
  sub(d, a, b);
  return is_zero_mask(d);
}

// is_negative: the low bit of the canonical value (RFC 8032 "x_0").
inline std::uint64_t is_negative(const fe64& a) noexcept { return reduce(a).v[0] & 1u; }

// from_portable: the 4x64 form of a portable element (its canonical value).
// constexpr, so tables and constants built for the portable field convert
// at compile time.
constexpr fe64 from_portable(const f25519::tight& a) noexcept {
  const f25519::tight r = f25519::reduce_full(a);
  fe64 out;
  out.v[0] = r.v[0] | (r.v[1] << 51);
  out.v[1] = (r.v[1] >> 13) | (r.v[2] << 38);
  out.v[2] = (r.v[2] >> 26) | (r.v[3] << 25);
  out.v[3] = (r.v[3] >> 39) | (r.v[4] << 12);
  return out;
}

// to_f25519: the portable element of the same value (tests).
inline f25519::tight to_f25519(const fe64& a) noexcept {
  const std::array<std::uint8_t, 32> b = to_bytes(a);
  return f25519::from_bytes(b);
}

// sqrt_m1: 2^((p-1)/4), a square root of -1.
inline constexpr fe64 sqrt_m1 = from_portable(f25519::sqrt_m1);

// sqrt_ratio: as f25519::sqrt_ratio: r = the non-negative square root of
// u/v and a set mask when u/v is a square (u = 0 included: r = 0);
// otherwise a clear mask and an unspecified r. Precondition v != 0.
// x = u·v^3·(u·v^7)^((p-5)/8); if v·x^2 = -u, x·sqrt(-1) is the root.
[[gnu::target("bmi2,adx")]] inline ct::mask<std::uint64_t> sqrt_ratio(const fe64& u, const fe64& v,
                                                                       fe64& r) noexcept {
  fe64 v3, v7, t, x, vx2, nu;
  sqr(v3, v);
  mul(v3, v3, v);         // v^3
  sqr(v7, v3);
  mul(v7, v7, v);         // v^7
  mul(t, u, v7);
  pow22523(t, t);         // (u·v^7)^((p-5)/8)
  mul(x, u, v3);
  mul(x, x, t);
  sqr(vx2, x);
  mul(vx2, vx2, v);
  const auto ok_plain = equal_mask(vx2, u);
  neg(nu, u);
  const auto ok_flip = equal_mask(vx2, nu);
  mul(t, x, sqrt_m1);
  cmov(x, t, ok_flip);
  cneg(x, ct::mask<std::uint64_t>::from_bit(is_negative(x)));
  r = x;
  return ok_plain | ok_flip;
}

// ---- N independent elements at once (public inputs: decoding in verify) ----
// The same operation sequences on N elements with the steps interleaved, so
// that the exponentiation chains, which are latency bound one at a time
// (each squaring waits for the previous one), overlap in the out-of-order
// window. Results equal the one-element functions'.
template <std::size_t N>
using fe64xn = std::array<fe64, N>;

template <std::size_t N>
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void sqr_n_xn(fe64xn<N>& r, const fe64xn<N>& a, int n) noexcept {
  for (std::size_t i = 0; i < N; ++i) sqr(r[i], a[i]);
  for (int k = 1; k < n; ++k)
    for (std::size_t i = 0; i < N; ++i) sqr(r[i], r[i]);
}
template <std::size_t N>
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void mul_xn(fe64xn<N>& r, const fe64xn<N>& a, const fe64xn<N>& b) noexcept {
  for (std::size_t i = 0; i < N; ++i) mul(r[i], a[i], b[i]);
}

// pow22523_xn: r[i] = a[i]^((p-5)/8), the chain of pow_2_250_1 and pow22523.
// With AVX-512 IFMA and N <= 8, all N chains run as the lanes of one
// (field25519_ifma.hpp; the result is the same element, possibly another
// representative below 2^256). On Zen 5 (2026-11; the only IFMA CPU
// measured) that chain takes 11.5k cycles for any N, against 15.1k for two
// interleaved MULX chains, 19.5k for three and 48k for eight.
// E2EE_CPU_DISABLE=avx512ifma keeps MULX.
template <std::size_t N>
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void pow22523_xn(fe64xn<N>& r, const fe64xn<N>& a) noexcept {
  if constexpr (N >= 2 && N <= 8) {
    if (cpu::features().avx512ifma) {
      std::array<f25519_ifma::words, N> w;
      for (std::size_t i = 0; i < N; ++i) w[i] = reduce(a[i]).v;
      f25519_ifma::pow22523_x8(w.data(), w.data(), N);
      for (std::size_t i = 0; i < N; ++i) r[i].v = w[i];
      return;
    }
  }
  fe64xn<N> a2, a9, a11, e5, e10, e20, e50, e100, t;
  sqr_n_xn(a2, a, 1);       // 2
  sqr_n_xn(t, a2, 2);       // 8
  mul_xn(a9, t, a);         // 9
  mul_xn(a11, a9, a2);      // 11
  sqr_n_xn(t, a11, 1);      // 22
  mul_xn(e5, t, a9);        // 2^5 - 1
  sqr_n_xn(t, e5, 5);
  mul_xn(e10, t, e5);       // 2^10 - 1
  sqr_n_xn(t, e10, 10);
  mul_xn(e20, t, e10);      // 2^20 - 1
  sqr_n_xn(t, e20, 20);
  mul_xn(t, t, e20);        // 2^40 - 1
  sqr_n_xn(t, t, 10);
  mul_xn(e50, t, e10);      // 2^50 - 1
  sqr_n_xn(t, e50, 50);
  mul_xn(e100, t, e50);     // 2^100 - 1
  sqr_n_xn(t, e100, 100);
  mul_xn(t, t, e100);       // 2^200 - 1
  sqr_n_xn(t, t, 50);
  mul_xn(t, t, e50);        // 2^250 - 1
  sqr_n_xn(t, t, 2);
  mul_xn(r, t, a);          // 2^252 - 3
}

// sqrt_ratio_xn: sqrt_ratio for N pairs (u[i], v[i]) at once; ok[i] is the
// verdict of pair i. For public inputs (no wiping; the verdicts are plain).
template <std::size_t N>
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void sqrt_ratio_xn(const fe64xn<N>& u, const fe64xn<N>& v, fe64xn<N>& r,
                                                                    std::array<bool, N>& ok) noexcept {
  fe64xn<N> v3, v7, t, x, vx2;
  sqr_n_xn(v3, v, 1);
  mul_xn(v3, v3, v);        // v^3
  sqr_n_xn(v7, v3, 1);
  mul_xn(v7, v7, v);        // v^7
  mul_xn(t, u, v7);
  pow22523_xn(t, t);
  mul_xn(x, u, v3);
  mul_xn(x, x, t);
  sqr_n_xn(vx2, x, 1);
  mul_xn(vx2, vx2, v);
  for (std::size_t i = 0; i < N; ++i) {
    const auto ok_plain = equal_mask(vx2[i], u[i]);
    fe64 nu;
    neg(nu, u[i]);
    const auto ok_flip = equal_mask(vx2[i], nu);
    mul(t[i], x[i], sqrt_m1);
    cmov(x[i], t[i], ok_flip);
    cneg(x[i], ct::mask<std::uint64_t>::from_bit(is_negative(x[i])));
    r[i] = x[i];
    ok[i] = (ok_plain | ok_flip).declassify();
  }
}

// ---- inversion by divsteps (constant time) ----
//
// invert: r = a^-1 mod p (0 for 0; r may alias a), by the "safegcd" divsteps of
// D. J. Bernstein and B.-Y. Yang ("Fast constant-time gcd computation and
// modular inversion", 2019), instead of Fermat's a^(p-2) (254 dependent
// squarings). Written from the paper's definitions:
//   divstep(δ, f, g) = (1 - δ, g, (g - f)/2)  if δ > 0 and g odd,
//                      (1 + δ, f, (g + f)/2)  if g odd,
//                      (1 + δ, f, g/2)        otherwise,
// with the "half-delta" start δ = 1/2 (P. Wuille's variant in
// libsecp256k1's safegcd notes, whose computed bound is 590 steps for any
// modulus and input below 2^256; the paper's δ = 1 needs 738 for 255 bits),
// f = p, g = a (reduced): then g = 0 and f = ±1, and the tracked d with
// d·a ≡ f (mod p) gives the inverse ±d. The steps run in 10 batches of 62
// (620 >= 590) on the low 64
// bits of f and g (a batch's decisions depend only on those), each
// producing a 2x2 matrix with 2^62·(f', g') = M·(f, g); the matrices are
// then applied to the full f, g (exact division by 2^62) and to d, e
// modulo p (a multiple of p added to make the low 62 bits zero). Every
// step is masks and arithmetic, the batch count fixed: no branch or
// address depends on a.
namespace divsteps {

using s62 = std::array<std::int64_t, 5>;  // sum v[i]·2^(62 i); v[0..3] in [0, 2^62), v[4] signed
inline constexpr std::uint64_t m62 = (std::uint64_t{1} << 62) - 1;
inline constexpr s62 prime{static_cast<std::int64_t>(m62 - 18), static_cast<std::int64_t>(m62),
                           static_cast<std::int64_t>(m62), static_cast<std::int64_t>(m62), 127};
// -p^-1 mod 2^64 (p ≡ -19 mod 2^64), by Newton's iteration x <- x·(2 - p·x).
constexpr std::uint64_t neg_inverse_p() noexcept {
  const std::uint64_t p0 = 0 - std::uint64_t{19};
  std::uint64_t x = 1;
  for (int i = 0; i < 7; ++i) x *= 2 - p0 * x;
  return 0 - x;
}
inline constexpr std::uint64_t neg_pinv = neg_inverse_p();
static_assert((0 - std::uint64_t{19}) * neg_pinv == ~std::uint64_t{0});

struct matrix {
  std::int64_t u, v, q, r;
};

// batch: 62 steps on the low 64 bits of f and g (a step's decision reads
// bit 0 of g only, so 62 steps need the low 63 bits); updates η = δ - 1/2.
// One step, with odd = (g odd) and swap = (g odd and η >= 0) as masks:
//   g' = swap ? g - f : odd ? g + f : g,  f' = swap ? g : f,
//   q' = q + (swap ? -u : odd ? u : 0),   u' = swap ? q : u   (r, v alike),
//   η' = (η XOR swap) + 1  (-η if swap, η + 1 if not: δ' = 1 - δ or 1 + δ),
//   then g' /= 2 and u', v' double (the matrix is scaled by 2 per step).
// One asm block, all in general registers (14 of them, so that it also
// builds where rbp is the frame pointer: -O0, sanitizers): f and g with
// CMOV (the candidates are computed first, so g's chain is a test, two
// CMOVs and a shift), η and the matrix by masks. About 30 % faster here
// than keeping the matrix rows in SSE2 registers, whose masks had to cross
// from the general registers every step. CMOV and the mask arithmetic take
// the same time whatever the data; the loop count is fixed.
inline matrix batch(std::int64_t& eta, std::uint64_t f, std::uint64_t g) noexcept {
  auto e = static_cast<std::uint64_t>(eta);
  std::uint64_t u = 1, v = 0, q = 0, r = 1;
  std::uint64_t t1, t2, nn, gn, o, s;
  std::uint32_t count = 62;
  __asm__(
      "movq %[e], %[nn]\n\t"
      "notq %[nn]\n\t"
      "shrq $63, %[nn]\n\t"  // nn = 1 if η >= 0, else 0
      "1:\n\t"
      "leaq (%[g],%[f]), %[t1]\n\t"  // g + f
      "movq %[g], %[t2]\n\t"
      "subq %[f], %[t2]\n\t"  // g - f
      "movq %[g], %[o]\n\t"
      "andq $1, %[o]\n\t"
      "negq %[o]\n\t"  // odd mask
      "movq %[g], %[s]\n\t"
      "andq %[nn], %[s]\n\t"
      "negq %[s]\n\t"  // swap mask
      "movq %[g], %[gn]\n\t"
      "testq $1, %[g]\n\t"
      "cmovneq %[t1], %[gn]\n\t"
      "testq %[nn], %[g]\n\t"  // swap
      "cmovneq %[t2], %[gn]\n\t"
      "cmovneq %[g], %[f]\n\t"
      "shrq $1, %[gn]\n\t"
      "movq %[gn], %[g]\n\t"
      "xorq %[s], %[e]\n\t"
      "incq %[e]\n\t"  // η' = swap ? -η : η + 1
      "movq %[e], %[nn]\n\t"
      "notq %[nn]\n\t"
      "shrq $63, %[nn]\n\t"
      // (u, q): q' = q + (±u if odd), u' = 2·(swap ? q : u); (v, r) alike
      "movq %[u], %[t1]\n\t"
      "andq %[o], %[t1]\n\t"
      "xorq %[s], %[t1]\n\t"
      "subq %[s], %[t1]\n\t"
      "movq %[u], %[t2]\n\t"
      "xorq %[q], %[t2]\n\t"
      "andq %[s], %[t2]\n\t"
      "xorq %[t2], %[u]\n\t"
      "addq %[u], %[u]\n\t"
      "addq %[t1], %[q]\n\t"
      "movq %[v], %[t1]\n\t"
      "andq %[o], %[t1]\n\t"
      "xorq %[s], %[t1]\n\t"
      "subq %[s], %[t1]\n\t"
      "movq %[v], %[t2]\n\t"
      "xorq %[r], %[t2]\n\t"
      "andq %[s], %[t2]\n\t"
      "xorq %[t2], %[v]\n\t"
      "addq %[v], %[v]\n\t"
      "addq %[t1], %[r]\n\t"
      "decl %[count]\n\t"
      "jnz 1b\n\t"
      : [f] "+r"(f), [g] "+r"(g), [e] "+r"(e), [count] "+r"(count), [u] "+r"(u), [v] "+r"(v), [q] "+r"(q),
        [r] "+r"(r), [t1] "=&r"(t1), [t2] "=&r"(t2), [nn] "=&r"(nn), [gn] "=&r"(gn), [o] "=&r"(o), [s] "=&r"(s)
      :
      : "cc");
  eta = static_cast<std::int64_t>(e);
  return {static_cast<std::int64_t>(u), static_cast<std::int64_t>(v), static_cast<std::int64_t>(q),
          static_cast<std::int64_t>(r)};
}

__extension__ using i128 = __int128;

// apply_fg: (f, g) = M·(f, g) / 2^62 (exact).
inline void apply_fg(const matrix& m, s62& f, s62& g) noexcept {
  i128 cf = i128{m.u} * f[0] + i128{m.v} * g[0];
  i128 cg = i128{m.q} * f[0] + i128{m.r} * g[0];
  cf >>= 62;
  cg >>= 62;
  for (std::size_t i = 1; i < 5; ++i) {
    cf += i128{m.u} * f[i] + i128{m.v} * g[i];
    cg += i128{m.q} * f[i] + i128{m.r} * g[i];
    f[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cf) & m62);
    g[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cg) & m62);
    cf >>= 62;
    cg >>= 62;
  }
  f[4] = static_cast<std::int64_t>(cf);
  g[4] = static_cast<std::int64_t>(cg);
}

// apply_de: (d, e) = (M·(d, e) + (md, me)·p) / 2^62 with md, me in [0, 2^62)
// making the low 62 bits zero. |d|, |e| grow by less than p per batch.
inline void apply_de(const matrix& m, s62& d, s62& e) noexcept {
  const std::uint64_t ld = static_cast<std::uint64_t>(m.u) * static_cast<std::uint64_t>(d[0]) +
                           static_cast<std::uint64_t>(m.v) * static_cast<std::uint64_t>(e[0]);
  const std::uint64_t le = static_cast<std::uint64_t>(m.q) * static_cast<std::uint64_t>(d[0]) +
                           static_cast<std::uint64_t>(m.r) * static_cast<std::uint64_t>(e[0]);
  const std::int64_t md = static_cast<std::int64_t>((ld * neg_pinv) & m62);
  const std::int64_t me = static_cast<std::int64_t>((le * neg_pinv) & m62);
  i128 cd = i128{m.u} * d[0] + i128{m.v} * e[0] + i128{md} * prime[0];
  i128 ce = i128{m.q} * d[0] + i128{m.r} * e[0] + i128{me} * prime[0];
  cd >>= 62;
  ce >>= 62;
  for (std::size_t i = 1; i < 5; ++i) {
    cd += i128{m.u} * d[i] + i128{m.v} * e[i] + i128{md} * prime[i];
    ce += i128{m.q} * d[i] + i128{m.r} * e[i] + i128{me} * prime[i];
    d[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cd) & m62);
    e[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(ce) & m62);
    cd >>= 62;
    ce >>= 62;
  }
  d[4] = static_cast<std::int64_t>(cd);
  e[4] = static_cast<std::int64_t>(ce);
}

}  // namespace divsteps

[[gnu::target("bmi2,adx")]] inline void invert(fe64& r, const fe64& a) noexcept {
  namespace ds = divsteps;
  const fe64 x = reduce(a);  // < p < 2^255
  ds::s62 f = ds::prime, g{}, d{}, e{};
  g[0] = static_cast<std::int64_t>(x.v[0] & ds::m62);
  g[1] = static_cast<std::int64_t>(((x.v[0] >> 62) | (x.v[1] << 2)) & ds::m62);
  g[2] = static_cast<std::int64_t>(((x.v[1] >> 60) | (x.v[2] << 4)) & ds::m62);
  g[3] = static_cast<std::int64_t>(((x.v[2] >> 58) | (x.v[3] << 6)) & ds::m62);
  g[4] = static_cast<std::int64_t>(x.v[3] >> 56);
  e[0] = 1;  // invariants: d·a ≡ f, e·a ≡ g (mod p)
  std::int64_t eta = 0;           // δ = 1/2
  ds::matrix m{};
  for (int i = 0; i < 10; ++i) {  // 620 >= 590 steps
    m = ds::batch(eta, static_cast<std::uint64_t>(f[0]) | (static_cast<std::uint64_t>(f[1]) << 62),
                  static_cast<std::uint64_t>(g[0]) | (static_cast<std::uint64_t>(g[1]) << 62));
    ds::apply_fg(m, f, g);
    ds::apply_de(m, d, e);
  }
  // f = ±1 (or p when a = 0, with d = 0): the inverse is d·f. |d| < 11p:
  // d·f + 16p is positive and < 2^260; then four 64-bit words and the
  // bits above 2^256 folded back (2^256 ≡ 38).
  const std::uint64_t neg = static_cast<std::uint64_t>(f[4] >> 63);  // all ones iff f < 0
  std::array<std::uint64_t, 5> o{};
  ds::i128 acc = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const auto sd = static_cast<std::int64_t>((static_cast<std::uint64_t>(d[i]) ^ neg) - neg);  // ±d[i]
    acc += ds::i128{sd} + ds::i128{ds::prime[i]} * 16;
    o[i] = static_cast<std::uint64_t>(acc) & ds::m62;
    acc >>= 62;
  }
  const std::uint64_t w0 = o[0] | (o[1] << 62), w1 = (o[1] >> 2) | (o[2] << 60), w2 = (o[2] >> 4) | (o[3] << 58),
                      w3 = (o[3] >> 6) | (o[4] << 56), top = o[4] >> 8;
  u128 c = u128{w0} + 38 * top;
  r.v[0] = static_cast<std::uint64_t>(c);
  c = (c >> 64) + w1;
  r.v[1] = static_cast<std::uint64_t>(c);
  c = (c >> 64) + w2;
  r.v[2] = static_cast<std::uint64_t>(c);
  c = (c >> 64) + w3;
  r.v[3] = static_cast<std::uint64_t>(c);
  r.v[0] += 38 * static_cast<std::uint64_t>(c >> 64);  // a carry out leaves v[0] small: no second carry
  e2ee::secure_wipe(&f, sizeof f);
  e2ee::secure_wipe(&g, sizeof g);
  e2ee::secure_wipe(&d, sizeof d);
  e2ee::secure_wipe(&e, sizeof e);
  e2ee::secure_wipe(&o, sizeof o);
  e2ee::secure_wipe(&m, sizeof m);
  e2ee::secure_wipe(&eta, sizeof eta);
}

// ---- the X25519 ladder ----

// ladder_state: (x2 : z2), (x3 : z3) and x1 as in ec/x25519.hpp.
struct ladder_state {
  fe64 x2, z2, x3, z3, x1;
};

#if defined(__SANITIZE_ADDRESS__)
#define E2EE_F25519_X_LADDER_ASM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define E2EE_F25519_X_LADDER_ASM 0
#endif
#endif
#if !defined(E2EE_F25519_X_LADDER_ASM)
#define E2EE_F25519_X_LADDER_ASM 1
#endif

// ladder_step: one step (swap by mask m, then the step) from the
// one-operation blocks: what ladder_asm computes, for AddressSanitizer builds
// (their instrumentation does not leave the registers the one-block ladder
// names) and for the tests, which compare the two.
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void ladder_step(ladder_state& s, std::uint64_t m) noexcept {
  fe64 a, b, c, d, aa, bb, e, da, cb, t;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t tx = (s.x2.v[i] ^ s.x3.v[i]) & m;
    const std::uint64_t tz = (s.z2.v[i] ^ s.z3.v[i]) & m;
    s.x2.v[i] ^= tx;
    s.x3.v[i] ^= tx;
    s.z2.v[i] ^= tz;
    s.z3.v[i] ^= tz;
  }
  add(a, s.x2, s.z2);
  sub(b, s.x2, s.z2);
  add(c, s.x3, s.z3);
  sub(d, s.x3, s.z3);
  sqr(aa, a);
  mul(da, d, a);
  sqr(bb, b);
  mul(cb, c, b);
  sub(e, aa, bb);
  mul(s.x2, aa, bb);
  mul_small_add(t, e, 121666, bb);
  add(c, da, cb);
  sub(d, da, cb);
  sqr(s.x3, c);
  sqr(d, d);
  mul(s.z2, e, t);
  mul(s.z3, d, s.x1);
  for (fe64* p : {&a, &b, &c, &d, &aa, &bb, &e, &da, &cb, &t}) e2ee::secure_wipe(p, sizeof *p);
}

#if E2EE_F25519_X_LADDER_ASM
// ladder_asm: n >= 1 ladder steps of RFC 7748 5 in one asm block (252 for
// X25519); masks[i] is all ones iff the state is swapped before step i (the
// XOR of two consecutive scalar bits). The state and the step's ten temporaries live in
// a scratch area on the stack, addressed from rsp: 512 bytes below the
// 128-byte red zone (the block moves rsp down and back; it takes only
// register operands, so no operand is rsp-relative). Zen 3 forwards stores
// to rsp-relative loads faster than through another base register: about 7%
// off the ladder against the same text on a caller's struct, and the
// compiler's glue between ten separate blocks per step is gone.
// Step (the values of RFC 7748, with z2 = E·(BB + 121666·E)):
// A = x2 + z2, B = x2 - z2, C = x3 + z3, D = x3 - z3, AA = A^2, DA = D·A,
// BB = B^2, CB = C·B, E = AA - BB, x2 = AA·BB, T = 121666·E + BB (one fold),
// x3 = (DA + CB)^2, z2 = E·T, z3 = x1·(DA - CB)^2.
// The scratch area is overwritten with zeros before rsp moves back.
// Constant time: the masks are read in order, the swap is by mask; no
// branch but the public loop counter.
#define E2EE_F25519_SP(off) #off "(%%rsp)"
[[gnu::target("bmi2,adx")]] inline void ladder_asm(ladder_state& s, const std::uint64_t* masks,
                                                  std::uint64_t n) noexcept {
  __asm__ volatile(
      "movq %[n], %%rbx\n\t"  // read before rsp moves: %[n] may be rsp-relative
      "subq $640, %%rsp\n\t"
      ".irp off, 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152\n\t"
      "movq \\off(%[v]), %%rax\n\t"
      "movq %%rax, \\off(%%rsp)\n\t"
      ".endr\n\t"
      "movq %%rbx, 480(%%rsp)\n\t"  // step counter
      "1:\n\t"
      "movq (%[m]), %%rcx\n\t"
      "addq $8, %[m]\n\t"
      E2EE_F25519_X_CSWAP(E2EE_F25519_SP(0), E2EE_F25519_SP(64))  // swap x2, x3
      E2EE_F25519_X_CSWAP(E2EE_F25519_SP(32), E2EE_F25519_SP(96))  // swap z2, z3
      E2EE_F25519_X_ADD(E2EE_F25519_SP(160), E2EE_F25519_SP(0), E2EE_F25519_SP(32))  // A = x2 + z2
      E2EE_F25519_X_SUB(E2EE_F25519_SP(192), E2EE_F25519_SP(0), E2EE_F25519_SP(32))  // B = x2 - z2
      E2EE_F25519_X_ADD(E2EE_F25519_SP(224), E2EE_F25519_SP(64), E2EE_F25519_SP(96))  // C = x3 + z3
      E2EE_F25519_X_SUB(E2EE_F25519_SP(256), E2EE_F25519_SP(64), E2EE_F25519_SP(96))  // D = x3 - z3
      E2EE_F25519_X_SQR(E2EE_F25519_SP(288), E2EE_F25519_SP(160))  // AA = A^2
      E2EE_F25519_X_MUL(E2EE_F25519_SP(384), E2EE_F25519_SP(256), E2EE_F25519_SP(160))  // DA = D · A
      E2EE_F25519_X_SQR(E2EE_F25519_SP(320), E2EE_F25519_SP(192))  // BB = B^2
      E2EE_F25519_X_MUL(E2EE_F25519_SP(416), E2EE_F25519_SP(224), E2EE_F25519_SP(192))  // CB = C · B
      E2EE_F25519_X_SUB(E2EE_F25519_SP(352), E2EE_F25519_SP(288), E2EE_F25519_SP(320))  // E = AA - BB
      E2EE_F25519_X_MUL(E2EE_F25519_SP(0), E2EE_F25519_SP(288), E2EE_F25519_SP(320))  // x2 = AA · BB
      "movl $121666, %%edx\n\t"
      E2EE_F25519_X_MUL_SMALL_ADD(E2EE_F25519_SP(448), E2EE_F25519_SP(352), E2EE_F25519_SP(320))  // T = 121666·E + BB
      E2EE_F25519_X_ADD(E2EE_F25519_SP(224), E2EE_F25519_SP(384), E2EE_F25519_SP(416))  // C = DA + CB
      E2EE_F25519_X_SUB(E2EE_F25519_SP(256), E2EE_F25519_SP(384), E2EE_F25519_SP(416))  // D = DA - CB
      E2EE_F25519_X_SQR(E2EE_F25519_SP(64), E2EE_F25519_SP(224))  // x3 = C^2
      E2EE_F25519_X_SQR(E2EE_F25519_SP(256), E2EE_F25519_SP(256))  // D = D^2
      E2EE_F25519_X_MUL(E2EE_F25519_SP(32), E2EE_F25519_SP(352), E2EE_F25519_SP(448))  // z2 = E · T
      E2EE_F25519_X_MUL(E2EE_F25519_SP(96), E2EE_F25519_SP(256), E2EE_F25519_SP(128))  // z3 = D · x1
      "decq 480(%%rsp)\n\t"
      "jnz 1b\n\t"
      ".irp off, 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120\n\t"
      "movq \\off(%%rsp), %%rax\n\t"
      "movq %%rax, \\off(%[v])\n\t"
      ".endr\n\t"
      "xorl %%eax, %%eax\n\t"  // wipe the 488 bytes of the scratch area
      "movl $61, %%ecx\n\t"
      "2:\n\t"
      "movq %%rax, -8(%%rsp,%%rcx,8)\n\t"
      "decl %%ecx\n\t"
      "jnz 2b\n\t"
      "addq $640, %%rsp\n\t"
      : [m] "+r"(masks)
      : [v] "r"(&s), [n] "m"(n)
      : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}
#undef E2EE_F25519_SP
#endif

// ladder: n ladder steps with the swap masks masks[0..n-1] (ladder_asm, or
// ladder_step one at a time in AddressSanitizer builds).
[[gnu::target("bmi2,adx")]] inline void ladder(ladder_state& s, const std::uint64_t* masks, std::size_t n) noexcept {
#if E2EE_F25519_X_LADDER_ASM
  if (n != 0) ladder_asm(s, masks, n);
#else
  for (std::size_t i = 0; i < n; ++i) ladder_step(s, masks[i]);
#endif
}

// xdbl: (x' : z') = 2·(x : z) on the Montgomery curve (the doubling half
// of a ladder step: A = x + z, B = x - z, x' = A^2·B^2, z' = E·(B^2 +
// 121666·E) with E = A^2 - B^2). The outputs may alias the inputs.
[[gnu::target("bmi2,adx"), gnu::flatten]] inline void xdbl(fe64& xo, fe64& zo, const fe64& x, const fe64& z) noexcept {
  fe64 a, b, aa, bb, e, t;
  add(a, x, z);
  sub(b, x, z);
  sqr(aa, a);
  sqr(bb, b);
  sub(e, aa, bb);
  mul_small_add(t, e, 121666, bb);
  mul(xo, aa, bb);
  mul(zo, e, t);
  for (fe64* p : {&a, &b, &aa, &bb, &e, &t}) e2ee::secure_wipe(p, sizeof *p);
}

// scalarmult: X25519(k, u) for a scalar k clamped as RFC 7748 5 says (bit
// 254 set, bit 255 and bits 0..2 clear; the callers clamp, and so does this
// function on its copy of the bits) and a 32-byte u (bit 255 ignored). The clamped bits are known, so the ladder skips work on them:
// - bit 254 is 1: from (1 : 0), (u : 1) its step leaves (u : 1) and 2·(u : 1),
//   swapped; that state is set directly (one doubling, not a whole step);
// - bits 253..2: the ladder, 252 steps, swapped lazily by masks;
// - bits 1 and 0 are 0: the swap before each is 0 (bit 2 ^ bit 1 and
//   bit 1 ^ bit 0), and (x3 : z3) is never read again, so each is a doubling
//   of (x2 : z2), and the final swap is 0 too.
// Constant time in both inputs: the swap masks are computed from the bits
// without branches and read in a fixed order.
[[gnu::target("bmi2,adx")]] inline std::array<std::uint8_t, 32> scalarmult(
    std::span<const std::uint8_t, 32> k, std::span<const std::uint8_t, 32> u) noexcept {
  ladder_state s{};
  s.x1 = from_bytes(u);
  s.x3 = s.x1;
  s.z3.v[0] = 1;
  xdbl(s.x2, s.z2, s.x3, s.z3);  // swapped: (x2 : z2) holds 2·u, (x3 : z3) u
  // The swap before the step of bit t is bit t XOR bit t + 1 (bit 254 is 1):
  // bit t of x = k XOR (k >> 1), taken 64 bits at a time.
  std::array<std::uint64_t, 4> w{}, x{};
  for (std::size_t i = 0; i < 32; ++i) w[i / 8] |= std::uint64_t{k[i]} << (8 * (i % 8));
  w[0] &= ~std::uint64_t{7};  // clamped here too, so the shortcuts hold whatever the caller passed
  w[3] = (w[3] & ~(std::uint64_t{1} << 63)) | (std::uint64_t{1} << 62);
  for (std::size_t j = 0; j < 4; ++j)
    x[j] = ct::value_barrier(w[j] ^ ((w[j] >> 1) | (j < 3 ? w[j + 1] << 63 : 0)));
  std::array<std::uint64_t, 252> masks;
  for (std::size_t t = 2; t < 254; ++t) masks[253 - t] = 0 - ((x[t / 64] >> (t % 64)) & 1u);
  ladder(s, masks.data(), masks.size());
  xdbl(s.x2, s.z2, s.x2, s.z2);  // bit 1
  xdbl(s.x2, s.z2, s.x2, s.z2);  // bit 0
  fe64 r;
  invert(r, s.z2);  // z2 = 0 gives 0
  mul(r, s.x2, r);
  const std::array<std::uint8_t, 32> out = to_bytes(r);
  e2ee::secure_wipe(&s, sizeof s);
  e2ee::secure_wipe(&r, sizeof r);
  e2ee::secure_wipe(masks.data(), sizeof masks);
  e2ee::secure_wipe(w.data(), sizeof w);
  e2ee::secure_wipe(x.data(), sizeof x);
  return out;
}

// FOLD, MUL, ADDSUB, ADD and SUB stay defined for the comb step of
// edwards25519_mulx.hpp (madd_to_p3), which undefines them.
#undef E2EE_F25519_X_LADDER_ASM
#undef E2EE_F25519_X_SQR
#undef E2EE_F25519_X_MUL_SMALL
#undef E2EE_F25519_X_MUL_SMALL_PRODUCT
#undef E2EE_F25519_X_MUL_SMALL_ADD
#undef E2EE_F25519_X_MUL_SMALL_FOLD
#undef E2EE_F25519_X_CSWAP_LIMB
#undef E2EE_F25519_X_CSWAP

}  // namespace detail::f25519_mulx
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
