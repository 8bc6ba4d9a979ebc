// bench/main.cpp — e2ee_bench: e2ee against OpenSSL and libsodium in one run.
//
// Prints the context (CPU, e2ee features and kernels, peer versions, core clock),
// registers `core_clock` and then every bench_*.cpp (e2ee_bench::registrar).
// Recommended command line (bench/run.sh does it): pinned with `taskset -c 1`,
//   --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <e2ee/core/cpu.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench_common.hpp"
#include "peers.hpp"

namespace {

using namespace e2ee_bench;

// core_clock: 1000 dependent adds per iteration, so GHz = 1000 / ns per
// iteration. Each run (also when interleaved among the other benchmarks) adds a
// sample to the estimate the other benchmarks convert with.
void core_clock(benchmark::State& st) {
#if E2EE_BENCH_HAVE_ADD_CHAIN
  std::uint64_t x = 1;
  std::uint64_t y = 1;
  keep(y);
  const std::uint64_t t0 = thread_cpu_ns();
  for (auto _ : st) x = add_chain_1000(x, y);
  const std::uint64_t ns = thread_cpu_ns() - t0;
  keep(x);
  if (ns == 0) return;
  const double ghz = 1000.0 * static_cast<double>(st.iterations()) / static_cast<double>(ns);
  st.counters["GHz"] = ghz;
  if (ns >= 10'000'000) add_clock_sample(ghz);  // not the short ramp-up runs
#else
  st.SkipWithError("no add-chain kernel for this architecture: cycles unknown");
#endif
}

// cpuinfo_field returns the first "<key> : value" of /proc/cpuinfo ("" if none).
std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon);
    while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.pop_back();
    if (k != key) continue;
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    return v;
  }
  return {};
}

std::string cpu_model() {
  std::string m = cpuinfo_field("model name");
  if (m.empty()) return "unknown";
  const std::string fam = cpuinfo_field("cpu family"), mod = cpuinfo_field("model"),
                    step = cpuinfo_field("stepping");
  if (!fam.empty()) m += " (family " + fam + ", model " + mod + ", stepping " + step + ")";
  return m;
}

void add_context(double ghz) {
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("e2ee.cpu_features", e2ee::cpu::features().to_string());
  const std::string& dis = user_cpu_disable();
  benchmark::AddCustomContext("e2ee.cpu_disable", dis.empty() ? "(unset)" : dis);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ghz);
  benchmark::AddCustomContext("core_ghz_at_start", buf);
  benchmark::AddCustomContext(
      "cycles", "cpu_time x core GHz (median of core_clock runs in this process); "
                "no hardware cycle counter is read");
#if defined(__clang__)
  benchmark::AddCustomContext("compiler", "clang " + std::to_string(__clang_major__) + "." +
                                             std::to_string(__clang_minor__) + "." +
                                             std::to_string(__clang_patchlevel__));
#elif defined(__GNUC__)
  benchmark::AddCustomContext("compiler", "gcc " __VERSION__);
#endif
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  benchmark::AddCustomContext("e2ee_build", "optimized, NDEBUG");
#else
  benchmark::AddCustomContext("e2ee_build", "NOT an optimized release build: numbers are meaningless");
#endif
#if defined(E2EE_BENCH_OPENSSL)
  benchmark::AddCustomContext("peer.openssl", OpenSSL_version(OPENSSL_VERSION));
#else
  benchmark::AddCustomContext("peer.openssl", "not built");
#endif
#if defined(E2EE_BENCH_SODIUM)
  benchmark::AddCustomContext("peer.libsodium", sodium_version_string());
#else
  benchmark::AddCustomContext("peer.libsodium", "not built");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  save_user_cpu_disable();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#if defined(E2EE_BENCH_SODIUM)
  if (sodium_init() < 0) {
    std::fprintf(stderr, "e2ee_bench: sodium_init failed\n");
    return 1;
  }
#endif
#if !defined(__OPTIMIZE__)
  std::fprintf(stderr, "e2ee_bench: built without optimization; build with -DCMAKE_BUILD_TYPE=Release\n");
#endif
  const double ghz = calibrate_clock();
  add_context(ghz);
  benchmark::RegisterBenchmark("core_clock", core_clock);
  for (auto* reg : registrars()) reg();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
