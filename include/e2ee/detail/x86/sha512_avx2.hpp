// e2ee/detail/x86/sha512_avx2.hpp — SHA-512 compression (FIPS 180-4, 6.4.2)
// with the message schedule of two blocks in YMM registers and the rounds in
// scalar BMI2 code, written as one inline-assembly loop. Internal;
// hash/sha512.hpp dispatches here.
//
// There are no SHA-512 instructions on x86 before Arrow Lake; the rounds are
// bound by the integer ALUs (22 ALU operations per round, six of them RORX,
// which Zen 3 runs on two of its four ALUs) and by two 5-cycle dependency
// chains per round (e -> Σ1 -> T1 -> new e; a -> Maj -> new a). The earlier
// C/intrinsics kernel reached ~7.5 cycles per round because the compiler spilled
// working variables and added copies; here every value has a fixed register:
//   a..h     rax rbx rcx rdx r8 r9 r10 r11 (names rotate, nothing moves)
//   r12      Σ0(a) of the previous round, added to the new a one round late,
//            off the path that makes the new e
//   r13 r14  temporaries
//   rsi rdi  b ^ c (the previous round's a ^ b: Maj is ((a ^ b) & (b ^ c)) ^ b,
//            one operation fewer) and a ^ b
//   r15 rbp  K pointer or end pointer, and W + K pointer
//   ymm0..7  W pairs of both blocks (low lane block i, high lane block i+1)
// Ch is (e & f) + (~e & g) (the two never share a bit), added before Σ1(e) so
// that only one addition follows Σ1 on the e chain.
// One iteration takes two blocks: during block i's first 64 rounds it
// computes the schedule of both blocks, 16 words at a time, and stores W + K
// in a 1280-byte frame; block i+1's 80 rounds only read the frame. An odd
// last block runs the same code with itself in the high lane and skips the
// second pass. rsp is moved below the red zone to address the frame; rbp is
// saved and restored, so frame-pointer (-O0, sanitizer) builds work too. The
// unwind tables do not describe this short window (no exception or signal
// handler unwinds through it).
// Both loops start on a 64-byte boundary: unaligned, the speed moved by 3-7 %
// between builds that placed the code differently (g++ 12, Zen 3, 2026-11-24).
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>

E2EE_NAMESPACE_BEGIN
namespace detail {

// Expects sha512_k from hash/sha512.hpp (included first).

// Byte order: big-endian words in each 128-bit lane (vpshufb mask).
alignas(32) inline constexpr std::array<std::uint8_t, 32> sha512_avx2_bswap{
    7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
    7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8};

// The assembly text is built by the preprocessor: no assembler macros, so the
// header can be used in any number of translation units and inlined anywhere.
#define E2EE_SHA512_CALL(m, ...) m(__VA_ARGS__)

// E2EE_SHA512_ROUND: one round with wk = W + K at wk(%rbp); V1..V4 are
// schedule instructions placed between the scalar ones (or empty).
#define E2EE_SHA512_ROUND(...) E2EE_SHA512_ROUND_(__VA_ARGS__)
#define E2EE_SHA512_ROUND_(a, b, c, d, e, f, g, h, bc, ab, wk, V1, V2, V3, V4) \
  "addq " #wk "(%%rbp), %%" #h "\n\t"                                         \
  "andnq %%" #g ", %%" #e ", %%r14\n\t"                                      \
  "addq %%r12, %%" #a "\n\t"                                                 \
  "rorxq $41, %%" #e ", %%r13\n\t"                                           \
  "addq %%r14, %%" #h "\n\t"                                                 \
  "movq %%" #f ", %%r12\n\t"                                                 \
  "andq %%" #e ", %%r12\n\t"                                                 \
  V1                                                                         \
  "rorxq $18, %%" #e ", %%r14\n\t"                                           \
  "addq %%r12, %%" #h "\n\t"                                                 \
  "xorq %%r14, %%r13\n\t"                                                    \
  "rorxq $14, %%" #e ", %%r14\n\t"                                           \
  "xorq %%r14, %%r13\n\t"                                                    \
  V2                                                                         \
  "rorxq $39, %%" #a ", %%r12\n\t"                                           \
  "addq %%r13, %%" #h "\n\t"                                                 \
  "rorxq $34, %%" #a ", %%r14\n\t"                                           \
  "movq %%" #a ", %%" #ab "\n\t"                                             \
  "addq %%" #h ", %%" #d "\n\t"                                              \
  "xorq %%r14, %%r12\n\t"                                                    \
  "rorxq $28, %%" #a ", %%r14\n\t"                                           \
  "xorq %%" #b ", %%" #ab "\n\t"                                             \
  V3                                                                         \
  "xorq %%r14, %%r12\n\t"                                                    \
  "andq %%" #ab ", %%" #bc "\n\t"                                            \
  "xorq %%" #b ", %%" #bc "\n\t"                                             \
  V4                                                                         \
  "addq %%" #bc ", %%" #h "\n\t"

// E2EE_SHA512_SCHED_A/B: the two halves of one schedule step: W[t], W[t+1]
// of both blocks into x (which held W[t-16], W[t-15]), W + K stored 256 bytes
// (16 rounds) ahead of %rbp. x1, x4, x5, x7 are the pairs at t-14, t-8, t-6,
// t-2. s0 = ROTR1 ^ ROTR8 ^ SHR7, s1 = ROTR19 ^ ROTR61 ^ SHR6 per 64-bit lane.
#define E2EE_SHA512_SCHED_A(x, x1, x4, x5, x7, P)        \
  "vpalignr $8, %%" #x ", %%" #x1 ", %%ymm8\n\t"         \
  "vpalignr $8, %%" #x4 ", %%" #x5 ", %%ymm9\n\t"        \
  "vpsrlq $1, %%ymm8, %%ymm10\n\t",                      \
  "vpsllq $63, %%ymm8, %%ymm11\n\t"                      \
  "vpaddq %%ymm9, %%" #x ", %%" #x "\n\t"                \
  "vpsrlq $8, %%ymm8, %%ymm12\n\t",                      \
  "vpsllq $56, %%ymm8, %%ymm13\n\t"                      \
  "vpxor %%ymm11, %%ymm10, %%ymm10\n\t"                  \
  "vpsrlq $7, %%ymm8, %%ymm8\n\t",                       \
  "vpxor %%ymm13, %%ymm12, %%ymm12\n\t"                  \
  "vpxor %%ymm8, %%ymm10, %%ymm10\n\t"                   \
  "vpxor %%ymm12, %%ymm10, %%ymm10\n\t"
#define E2EE_SHA512_SCHED_B(x, x1, x4, x5, x7, P)        \
  "vpaddq %%ymm10, %%" #x ", %%" #x "\n\t"               \
  "vpsrlq $19, %%" #x7 ", %%ymm8\n\t"                    \
  "vpsllq $45, %%" #x7 ", %%ymm9\n\t",                   \
  "vpsrlq $61, %%" #x7 ", %%ymm11\n\t"                   \
  "vpsllq $3, %%" #x7 ", %%ymm12\n\t"                    \
  "vpsrlq $6, %%" #x7 ", %%ymm13\n\t",                   \
  "vpxor %%ymm9, %%ymm8, %%ymm8\n\t"                     \
  "vpxor %%ymm12, %%ymm11, %%ymm11\n\t"                  \
  "vpxor %%ymm13, %%ymm8, %%ymm8\n\t"                    \
  "vpxor %%ymm11, %%ymm8, %%ymm8\n\t",                   \
  "vpaddq %%ymm8, %%" #x ", %%" #x "\n\t"                \
  "vbroadcasti128 16*" #P "(%%r15), %%ymm9\n\t"          \
  "vpaddq %%" #x ", %%ymm9, %%ymm9\n\t"                  \
  "vmovdqa %%ymm9, 256+32*" #P "(%%rbp)\n\t"

#define E2EE_SHA512_PAIR0 ymm0, ymm1, ymm4, ymm5, ymm7, 0
#define E2EE_SHA512_PAIR1 ymm1, ymm2, ymm5, ymm6, ymm0, 1
#define E2EE_SHA512_PAIR2 ymm2, ymm3, ymm6, ymm7, ymm1, 2
#define E2EE_SHA512_PAIR3 ymm3, ymm4, ymm7, ymm0, ymm2, 3
#define E2EE_SHA512_PAIR4 ymm4, ymm5, ymm0, ymm1, ymm3, 4
#define E2EE_SHA512_PAIR5 ymm5, ymm6, ymm1, ymm2, ymm4, 5
#define E2EE_SHA512_PAIR6 ymm6, ymm7, ymm2, ymm3, ymm5, 6
#define E2EE_SHA512_PAIR7 ymm7, ymm0, ymm3, ymm4, ymm6, 7
#define E2EE_SHA512_SCHED(P, half) \
  E2EE_SHA512_CALL(E2EE_SHA512_SCHED_##half, E2EE_SHA512_PAIR##P)
#define E2EE_SHA512_NOSCHED(P, half) "", "", "", ""

// E2EE_SHA512_ROUNDS16: 16 rounds reading W + K at (%rbp) (block i's slots
// for rounds t, t+1 at 32 * (t / 2), block i+1's 16 bytes further), S the
// schedule (E2EE_SHA512_SCHED) or none.
#define E2EE_SHA512_ROUNDS16(S)                                                       \
  E2EE_SHA512_ROUND(rax, rbx, rcx, rdx, r8, r9, r10, r11, rsi, rdi, 0, S(0, A))       \
  E2EE_SHA512_ROUND(r11, rax, rbx, rcx, rdx, r8, r9, r10, rdi, rsi, 8, S(0, B))       \
  E2EE_SHA512_ROUND(r10, r11, rax, rbx, rcx, rdx, r8, r9, rsi, rdi, 32, S(1, A))      \
  E2EE_SHA512_ROUND(r9, r10, r11, rax, rbx, rcx, rdx, r8, rdi, rsi, 40, S(1, B))      \
  E2EE_SHA512_ROUND(r8, r9, r10, r11, rax, rbx, rcx, rdx, rsi, rdi, 64, S(2, A))      \
  E2EE_SHA512_ROUND(rdx, r8, r9, r10, r11, rax, rbx, rcx, rdi, rsi, 72, S(2, B))      \
  E2EE_SHA512_ROUND(rcx, rdx, r8, r9, r10, r11, rax, rbx, rsi, rdi, 96, S(3, A))      \
  E2EE_SHA512_ROUND(rbx, rcx, rdx, r8, r9, r10, r11, rax, rdi, rsi, 104, S(3, B))     \
  E2EE_SHA512_ROUND(rax, rbx, rcx, rdx, r8, r9, r10, r11, rsi, rdi, 128, S(4, A))     \
  E2EE_SHA512_ROUND(r11, rax, rbx, rcx, rdx, r8, r9, r10, rdi, rsi, 136, S(4, B))     \
  E2EE_SHA512_ROUND(r10, r11, rax, rbx, rcx, rdx, r8, r9, rsi, rdi, 160, S(5, A))     \
  E2EE_SHA512_ROUND(r9, r10, r11, rax, rbx, rcx, rdx, r8, rdi, rsi, 168, S(5, B))     \
  E2EE_SHA512_ROUND(r8, r9, r10, r11, rax, rbx, rcx, rdx, rsi, rdi, 192, S(6, A))     \
  E2EE_SHA512_ROUND(rdx, r8, r9, r10, r11, rax, rbx, rcx, rdi, rsi, 200, S(6, B))     \
  E2EE_SHA512_ROUND(rcx, rdx, r8, r9, r10, r11, rax, rbx, rsi, rdi, 224, S(7, A))     \
  E2EE_SHA512_ROUND(rbx, rcx, rdx, r8, r9, r10, r11, rax, rdi, rsi, 232, S(7, B))

// E2EE_SHA512_LOAD(i): message words 2i, 2i+1 of both blocks into ymm<i>,
// W + K into the frame.
#define E2EE_SHA512_LOAD(i)                                \
  "vmovdqu 16*" #i "(%%r12), %%xmm8\n\t"                   \
  "vinserti128 $1, 16*" #i "(%%r13), %%ymm8, %%ymm8\n\t"   \
  "vpshufb %%ymm15, %%ymm8, %%ymm" #i "\n\t"               \
  "vbroadcasti128 16*" #i "(%%r15), %%ymm9\n\t"            \
  "vpaddq %%ymm" #i ", %%ymm9, %%ymm9\n\t"                 \
  "vmovdqa %%ymm9, 32*" #i "(%%rsp)\n\t"

// E2EE_SHA512_FEED(off, r): h[off / 8] += r, stored (state pointer in r15).
#define E2EE_SHA512_FEED(off, r) \
  "addq " #off "(%%r15), %%" #r "\n\t" \
  "movq %%" #r ", " #off "(%%r15)\n\t"

#define E2EE_SHA512_WIPE4(i)                    \
  "vmovdqa %%ymm0, 128*" #i "(%%rsp)\n\t"       \
  "vmovdqa %%ymm0, 128*" #i "+32(%%rsp)\n\t"    \
  "vmovdqa %%ymm0, 128*" #i "+64(%%rsp)\n\t"    \
  "vmovdqa %%ymm0, 128*" #i "+96(%%rsp)\n\t"

// sha512_compress_avx2 compresses `blocks` 128-byte blocks at p into h[0..8).
// Caller checked avx2 && bmi2. The W + K frame (message-derived: the message
// may be a key) and the vector registers are zeroed before return.
//
// Frame (rsp after alignment): [0, 1280) W + K, 1280 saved rsp, 1288 saved
// rbp, 1296 h, 1304 p, 1312 blocks left, 1320 K.
inline void sha512_compress_avx2(std::uint64_t* h, const std::uint8_t* p,
                                 std::size_t blocks) noexcept {
  if (blocks == 0) return;
  const std::uint64_t* k = sha512_k.data();
  const std::uint8_t* mask = sha512_avx2_bswap.data();
  __asm__ __volatile__(
      "movq %%rsp, %%r8\n\t"
      "subq $1344+128, %%rsp\n\t"  // below the red zone
      "andq $-64, %%rsp\n\t"
      "movq %%r8, 1280(%%rsp)\n\t"
      "movq %%rbp, 1288(%%rsp)\n\t"
      "movq %%rdi, 1296(%%rsp)\n\t"
      "movq %%rsi, 1304(%%rsp)\n\t"
      "movq %%rdx, 1312(%%rsp)\n\t"
      "movq %%rcx, 1320(%%rsp)\n\t"
      "vmovdqa (%%rax), %%ymm15\n\t"
      "movq %%rdi, %%r15\n\t"
      "movq 0(%%r15), %%rax\n\t"
      "movq 8(%%r15), %%rbx\n\t"
      "movq 16(%%r15), %%rcx\n\t"
      "movq 24(%%r15), %%rdx\n\t"
      "movq 32(%%r15), %%r8\n\t"
      "movq 40(%%r15), %%r9\n\t"
      "movq 48(%%r15), %%r10\n\t"
      "movq 56(%%r15), %%r11\n\t"
      // Next block (pair): r12 block i, r13 block i+1 (block i if it is the last).
      "1:\n\t"
      "movq 1304(%%rsp), %%r12\n\t"
      "leaq 128(%%r12), %%r13\n\t"
      "cmpq $2, 1312(%%rsp)\n\t"
      "cmovbq %%r12, %%r13\n\t"
      "movq 1320(%%rsp), %%r15\n\t"
      E2EE_SHA512_LOAD(0) E2EE_SHA512_LOAD(1) E2EE_SHA512_LOAD(2) E2EE_SHA512_LOAD(3)
      E2EE_SHA512_LOAD(4) E2EE_SHA512_LOAD(5) E2EE_SHA512_LOAD(6) E2EE_SHA512_LOAD(7)
      "addq $128, %%r15\n\t"
      "movq %%rsp, %%rbp\n\t"
      "movq %%rbx, %%rsi\n\t"
      "xorq %%rcx, %%rsi\n\t"
      "xorl %%r12d, %%r12d\n\t"
      // Block i, rounds 0..63, with the schedule of words 16..79.
      "jmp 2f\n\t"  // loop start 64-byte aligned, padding not executed
      ".p2align 6\n\t"
      "2:\n\t"
      E2EE_SHA512_ROUNDS16(E2EE_SHA512_SCHED)
      "addq $256, %%rbp\n\t"
      "addq $128, %%r15\n\t"
      "leaq 1024(%%rsp), %%r13\n\t"
      "cmpq %%r13, %%rbp\n\t"
      "jne 2b\n\t"
      "leaq 1280(%%rsp), %%r15\n\t"
      // Rounds without schedule work from rbp to r15: block i's last 16, or
      // all 80 of block i+1.
      "jmp 3f\n\t"  // loop start 64-byte aligned, padding not executed
      ".p2align 6\n\t"
      "3:\n\t"
      E2EE_SHA512_ROUNDS16(E2EE_SHA512_NOSCHED)
      "addq $256, %%rbp\n\t"
      "cmpq %%r15, %%rbp\n\t"
      "jne 3b\n\t"
      "addq %%r12, %%rax\n\t"
      "movq 1296(%%rsp), %%r15\n\t"
      E2EE_SHA512_FEED(0, rax) E2EE_SHA512_FEED(8, rbx) E2EE_SHA512_FEED(16, rcx)
      E2EE_SHA512_FEED(24, rdx) E2EE_SHA512_FEED(32, r8) E2EE_SHA512_FEED(40, r9)
      E2EE_SHA512_FEED(48, r10) E2EE_SHA512_FEED(56, r11)
      "decq 1312(%%rsp)\n\t"
      "jz 4f\n\t"
      "leaq 1280(%%rsp), %%r13\n\t"
      "cmpq %%r13, %%rbp\n\t"
      "jne 5f\n\t"
      // Block i done: block i+1 from the high lanes.
      "leaq 16(%%rsp), %%rbp\n\t"
      "leaq 1296(%%rsp), %%r15\n\t"
      "movq %%rbx, %%rsi\n\t"
      "xorq %%rcx, %%rsi\n\t"
      "xorl %%r12d, %%r12d\n\t"
      "jmp 3b\n\t"
      "5:\n\t"
      "addq $256, 1304(%%rsp)\n\t"
      "jmp 1b\n\t"
      "4:\n\t"
      "vzeroall\n\t"
      E2EE_SHA512_WIPE4(0) E2EE_SHA512_WIPE4(1) E2EE_SHA512_WIPE4(2) E2EE_SHA512_WIPE4(3)
      E2EE_SHA512_WIPE4(4) E2EE_SHA512_WIPE4(5) E2EE_SHA512_WIPE4(6) E2EE_SHA512_WIPE4(7)
      E2EE_SHA512_WIPE4(8) E2EE_SHA512_WIPE4(9)
      "movq 1288(%%rsp), %%rbp\n\t"
      "movq 1280(%%rsp), %%rsp\n\t"
      : "+D"(h), "+S"(p), "+d"(blocks), "+c"(k), "+a"(mask)
      :
      : "rbx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2",
        "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "cc", "memory");
}

#undef E2EE_SHA512_CALL
#undef E2EE_SHA512_ROUND
#undef E2EE_SHA512_ROUND_
#undef E2EE_SHA512_SCHED_A
#undef E2EE_SHA512_SCHED_B
#undef E2EE_SHA512_PAIR0
#undef E2EE_SHA512_PAIR1
#undef E2EE_SHA512_PAIR2
#undef E2EE_SHA512_PAIR3
#undef E2EE_SHA512_PAIR4
#undef E2EE_SHA512_PAIR5
#undef E2EE_SHA512_PAIR6
#undef E2EE_SHA512_PAIR7
#undef E2EE_SHA512_SCHED
#undef E2EE_SHA512_NOSCHED
#undef E2EE_SHA512_ROUNDS16
#undef E2EE_SHA512_LOAD
#undef E2EE_SHA512_FEED
#undef E2EE_SHA512_WIPE4

// sha512_compress_avx2_2 compresses `blocks` blocks at p, then `more` blocks
// at q (a message's last full blocks and its padded tail) into h[0..8).
inline void sha512_compress_avx2_2(std::uint64_t* h, const std::uint8_t* p, std::size_t blocks,
                                   const std::uint8_t* q, std::size_t more) noexcept {
  sha512_compress_avx2(h, p, blocks);
  sha512_compress_avx2(h, q, more);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
