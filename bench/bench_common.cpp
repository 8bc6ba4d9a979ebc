// bench/bench_common.cpp — see bench_common.hpp.
#include "bench_common.hpp"

#include <e2ee/core/cpu.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace e2ee_bench {

std::string name(std::string_view op, std::string_view impl, std::size_t size) {
  std::string s;
  s.append(op).append("/").append(impl);
  if (size != 0) s.append("/").append(std::to_string(size));
  return s;
}

benchmark::internal::Benchmark* add(std::string_view op, std::string_view impl, std::size_t size,
                                    std::function<void(benchmark::State&)> fn) {
  const std::string n = name(op, impl, size);
  return benchmark::RegisterBenchmark(n.c_str(), [fn = std::move(fn)](benchmark::State& st) {
    fn(st);
  });
}

void note_kernel(std::string_view op, std::string_view kernel) {
  benchmark::AddCustomContext("e2ee_kernel." + std::string(op), std::string(kernel));
}

namespace {
struct ranked {
  int rank;
  void (*fn)();
};
std::vector<ranked>& registrar_list() {
  static std::vector<ranked> list;
  return list;
}
}  // namespace

registrar::registrar(void (*fn)(), int rank) { registrar_list().push_back({rank, fn}); }

std::vector<void (*)()> registrars() {
  std::vector<ranked> list = registrar_list();
  std::stable_sort(list.begin(), list.end(),
                   [](const ranked& a, const ranked& b) { return a.rank < b.rank; });
  std::vector<void (*)()> fns;
  for (const auto& r : list) fns.push_back(r.fn);
  return fns;
}

// ---- core clock ----------------------------------------------------------------

namespace {
std::vector<double>& clock_samples() {
  static std::vector<double> s;
  return s;
}
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
}  // namespace

void add_clock_sample(double ghz) {
  if (ghz > 0) clock_samples().push_back(ghz);
}
double core_ghz() { return median(clock_samples()); }

double calibrate_clock() {
#if E2EE_BENCH_HAVE_ADD_CHAIN
  std::uint64_t x = 1;
  // Spin ~50 ms first so that the core has left any idle clock.
  for (const std::uint64_t t0 = thread_cpu_ns(); thread_cpu_ns() - t0 < 50'000'000;)
    for (int i = 0; i < 1000; ++i) x = add_chain_1000(x, 1);
  std::vector<double> ghz;
  for (int s = 0; s < 9; ++s) {  // 9 samples of ~4 ms
    constexpr std::uint64_t reps = 10'000;
    const std::uint64_t t0 = thread_cpu_ns();
    for (std::uint64_t i = 0; i < reps; ++i) x = add_chain_1000(x, 1);
    const std::uint64_t ns = thread_cpu_ns() - t0;
    if (ns > 0) ghz.push_back(1000.0 * static_cast<double>(reps) / static_cast<double>(ns));
  }
  keep(x);
  const double g = median(ghz);
  add_clock_sample(g);
  return g;
#else
  return 0;
#endif
}

std::uint64_t thread_cpu_ns() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
#else
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
#endif
}

// ---- the timed loop --------------------------------------------------------------

void finish(benchmark::State& st, std::uint64_t elapsed_ns, std::size_t bytes_per_op) {
  const auto iters = static_cast<double>(st.iterations());
  if (bytes_per_op > 0)
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(bytes_per_op));
  const double ghz = core_ghz();
  if (iters <= 0 || ghz <= 0) return;
  const double cycles = static_cast<double>(elapsed_ns) / iters * ghz;
  st.counters["cycles"] = cycles;
  if (bytes_per_op > 0) st.counters["cpb"] = cycles / static_cast<double>(bytes_per_op);
}

// ---- correctness ---------------------------------------------------------------

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool check(benchmark::State& st, std::span<const std::uint8_t> got,
           std::span<const std::uint8_t> want, std::string_view what) {
  if (same(got, want)) return true;
  std::string msg(what);
  msg += ": wrong result (does not match the reference implementation)";
  st.SkipWithError(msg.c_str());
  return false;
}

// ---- forcing e2ee kernels ------------------------------------------------------

namespace {
std::string& saved_disable() {
  static std::string s;
  return s;
}
bool& saved_was_set() {
  static bool b = false;
  return b;
}
void set_env(const char* value) {
#if defined(_WIN32)
  _putenv_s("E2EE_CPU_DISABLE", value ? value : "");
#else
  if (value)
    setenv("E2EE_CPU_DISABLE", value, 1);
  else
    unsetenv("E2EE_CPU_DISABLE");
#endif
}
}  // namespace

void save_user_cpu_disable() {
  const char* v = std::getenv("E2EE_CPU_DISABLE");
  saved_was_set() = v != nullptr;
  saved_disable() = v ? v : "";
}
const std::string& user_cpu_disable() { return saved_disable(); }

scoped_cpu_disable::scoped_cpu_disable(const char* list) {
  const char* now = std::getenv("E2EE_CPU_DISABLE");
  was_set_ = now != nullptr;
  if (now) previous_ = now;
  if (list)
    set_env(list);
  else
    set_env(saved_was_set() ? saved_disable().c_str() : nullptr);
  e2ee::cpu::refresh();
}

scoped_cpu_disable::~scoped_cpu_disable() {
  set_env(was_set_ ? previous_.c_str() : nullptr);
  e2ee::cpu::refresh();
}

// ---- input data ----------------------------------------------------------------

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 0x9e3779b9u * seed + 1;  // xorshift32: fixed, not random
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

}  // namespace e2ee_bench
