// bench/bench_common.hpp — what every e2ee_bench source shares: naming, the
// core-clock conversion to cycles, the timed loop, result checks, kernel forcing.
//
// Benchmark names are `<operation>/<implementation>[/<size>]`:
//   operation       snake_case, no '/': sha256, hmac_sha256, hkdf_sha256, ...
//   implementation  `e2ee:<kernel>` (a forced e2ee kernel, e.g. e2ee:shani,
//                   e2ee:portable), `openssl`, `sodium`; a peer used another way
//                   gets a suffix (`openssl:oneshot`)
//   size            bytes processed per operation (message length; output
//                   length for KDFs); omitted when it means nothing (X25519)
// bench/table.py parses exactly this. The context key `e2ee_kernel.<operation>`
// names the kernel the library picks by itself, which the table shows as "e2ee".
//
// Cycles: this VM has no cycle counter and rdtsc runs at a fixed rate, so the
// benchmark `core_clock` (1000 dependent 1-cycle adds per iteration) measures the
// core clock in this process; every other benchmark converts its CPU time per
// operation to core cycles with the clock known when it finishes (counters
// `cycles`, `cpb`). table.py recomputes them from the run's median core_clock.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace e2ee_bench {

// ---- naming and registration -------------------------------------------------

// name builds `op/impl/size` (size 0: `op/impl`).
std::string name(std::string_view op, std::string_view impl, std::size_t size = 0);

// add registers one benchmark under name(op, impl, size).
benchmark::internal::Benchmark* add(std::string_view op, std::string_view impl, std::size_t size,
                                    std::function<void(benchmark::State&)> fn);

// note_kernel records, in the context, the e2ee kernel that `op` runs when the
// library chooses by itself (`e2ee_kernel.<op>`); table.py reads it.
void note_kernel(std::string_view op, std::string_view kernel);

// A registrar is called by main() after the context is set up; each bench_*.cpp
// declares one at namespace scope:  const e2ee_bench::registrar r(&register_sha2, 10);
// main() calls them by increasing rank (static initialization order across
// files is unspecified): 10 hashes/MAC/KDF, then e.g. 20 AEAD, 30 X25519,
// 40 Ed25519, 50 ratchet.
struct registrar {
  explicit registrar(void (*fn)(), int rank = 100);
};
// registrars returns the registration functions sorted by rank.
std::vector<void (*)()> registrars();

// ---- core clock ----------------------------------------------------------------

// core_ghz is the process's estimate of the core clock: the median of the
// start-up calibration and of every core_clock benchmark run so far (0 if this
// architecture has no add-chain kernel).
double core_ghz();
void add_clock_sample(double ghz);
// calibrate_clock measures the clock before any benchmark runs (~90 ms).
double calibrate_clock();

// add_chain_1000 is 1000 dependent register adds: 1000 core cycles on any core
// whose integer add has a 1-cycle latency (every x86-64 and AArch64 core).
// Register + register, not an immediate: some cores fold immediate adds at rename.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define E2EE_BENCH_HAVE_ADD_CHAIN 1
inline std::uint64_t add_chain_1000(std::uint64_t x, std::uint64_t y) noexcept {
  __asm__ volatile(".rept 1000\n\taddq %1, %0\n\t.endr" : "+r"(x) : "r"(y));
  return x;
}
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define E2EE_BENCH_HAVE_ADD_CHAIN 1
inline std::uint64_t add_chain_1000(std::uint64_t x, std::uint64_t y) noexcept {
  __asm__ volatile(".rept 1000\n\tadd %0, %0, %1\n\t.endr" : "+r"(x) : "r"(y));
  return x;
}
#else
#define E2EE_BENCH_HAVE_ADD_CHAIN 0
#endif

// thread_cpu_ns reads this thread's CPU time, the clock Google Benchmark's
// default (cpu_time) uses, so cycles = cpu_time x GHz.
std::uint64_t thread_cpu_ns() noexcept;

// ---- the timed loop --------------------------------------------------------------

// finish sets, from the CPU time the loop took: bytes/s (bytes per op > 0),
// `cycles` per op and `cpb` (bytes per op > 0) when the core clock is known.
void finish(benchmark::State& st, std::uint64_t elapsed_ns, std::size_t bytes_per_op);

// run times `op()` once per iteration and sets the counters.
template <class Op>
void run(benchmark::State& st, std::size_t bytes_per_op, Op&& op) {
  const std::uint64_t t0 = thread_cpu_ns();
  for (auto _ : st) op();
  finish(st, thread_cpu_ns() - t0, bytes_per_op);
}

// keep: the compiler must assume `x` (and any memory) is read and changed here
// (inputs: no hoisting of a constant computation; outputs: not dead).
// Not benchmark::DoNotOptimize: with g++ 12.2 at -O2 its "+m,r" alternatives
// lost the store of a pointer laundered through it (the call then read a stale
// null pointer; seen 2026-11, Google Benchmark 1.7.1). One constraint each here.
template <class T>
inline void keep(T& x) {
#if defined(__GNUC__) || defined(__clang__)
  if constexpr (std::is_scalar_v<T>)
    __asm__ volatile("" : "+r"(x) : : "memory");
  else
    __asm__ volatile("" : "+m"(x) : : "memory");
#else
  benchmark::DoNotOptimize(x);
#endif
}

// ---- correctness ---------------------------------------------------------------

// same compares two byte strings (timing does not matter here).
bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// check: if `got` differs from `want`, SkipWithError("<what>: wrong result ...")
// and false. Each benchmark checks the output of its timed operation against
// another implementation (e2ee against a peer, a peer against e2ee) before the
// loop, and again for the last iteration.
bool check(benchmark::State& st, std::span<const std::uint8_t> got,
           std::span<const std::uint8_t> want, std::string_view what);

// ---- engines: one case of one implementation -------------------------------------
// An engine builds its inputs and contexts when constructed; `bool operator()()`
// performs one operation (false: the library reported an error), passing its
// input pointers through keep() and its output to keep(); `result()` returns
// the output (std::span<const std::uint8_t>).

// answer runs an engine once and returns its output (empty on failure): the
// reference for another implementation's case.
template <class Engine>
std::vector<std::uint8_t> answer(Engine&& e) {
  if (!e()) return {};
  const std::span<const std::uint8_t> r = e.result();
  return std::vector<std::uint8_t>(r.begin(), r.end());
}

// measure: one checked call, the timed loop (counters for `bytes_per_op`), then
// a check of the last result against `want`. `what` names the case in errors.
template <class Engine>
void measure(benchmark::State& st, Engine& e, std::size_t bytes_per_op,
             const std::vector<std::uint8_t>& want, std::string_view what) {
  if (want.empty()) {
    st.SkipWithError("reference implementation failed");
    return;
  }
  if (!e()) {
    st.SkipWithError("library call failed");
    return;
  }
  if (!check(st, e.result(), want, what)) return;
  bool ok = true;
  run(st, bytes_per_op, [&] { ok &= e(); });
  if (!ok) {
    st.SkipWithError("library call failed in the timed loop");
    return;
  }
  check(st, e.result(), want, what);
}

// ---- forcing e2ee kernels ------------------------------------------------------

// user_cpu_disable is E2EE_CPU_DISABLE as the process started (empty if unset).
const std::string& user_cpu_disable();
void save_user_cpu_disable();

// scoped_cpu_disable sets E2EE_CPU_DISABLE to `list` (nullptr: the user's
// original value) and calls cpu::refresh(); the destructor restores the value
// it replaced (they nest). Default-constructed e2ee objects then pick the
// kernel the list allows. Benchmarks run one at a time on the main thread, so
// changing the environment is safe here.
class scoped_cpu_disable {
 public:
  explicit scoped_cpu_disable(const char* list);
  ~scoped_cpu_disable();
  scoped_cpu_disable(const scoped_cpu_disable&) = delete;
  scoped_cpu_disable& operator=(const scoped_cpu_disable&) = delete;

 private:
  bool was_set_ = false;
  std::string previous_;
};

// A kernel variant of an operation dispatched through cpu::features(): the
// library's own choice (`disable` = nullptr) or portable only ("all").
struct dispatch_variant {
  std::string kernel;   // name in the benchmark: e2ee:<kernel>
  const char* disable;  // E2EE_CPU_DISABLE while it runs
};

// ---- input data ----------------------------------------------------------------

// pattern fills a deterministic, non-trivial byte string.
std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 1);

}  // namespace e2ee_bench
