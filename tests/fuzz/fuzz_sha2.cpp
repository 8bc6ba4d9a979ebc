// tests/fuzz/fuzz_sha2.cpp — SHA-256 and SHA-512 against OpenSSL's EVP_Digest.
// Every kernel this CPU has is forced in turn; each hashes the message in one
// update() and again in pieces cut at fuzzer-chosen points, then once more
// with the same object (finish() resets it). The static hash() runs under the
// default kernels or, by the first input bit, the portable ones.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>

#include "fuzz_common.hpp"

namespace {

// The hardware's features, not masked by E2EE_CPU_DISABLE: forced kernels
// are tried whatever mode the default kernels are in.
const e2ee::cpu::feature_set& hardware() {
  static const e2ee::cpu::feature_set f = e2ee::cpu::detect();
  return f;
}

template <class H, class Impl>
void check_kernel(Impl impl, fuzz::cspan msg, const std::vector<std::size_t>& cuts, fuzz::cspan want) {
  H h(impl);
  fuzz::check(h.implementation() == impl, "forced kernel not used");
  h.update(msg);
  fuzz::check(fuzz::same(h.finish(), want), "one update() differs from OpenSSL");

  std::size_t at = 0;
  for (const std::size_t c : cuts) {
    h.update(msg.subspan(at, c - at));
    at = c;
  }
  h.update(msg.subspan(at));
  fuzz::check(fuzz::same(h.finish(), want), "incremental update() differs from OpenSSL");

  // Copying mid-stream: the copy continues independently.
  const std::size_t mid = cuts.empty() ? msg.size() / 2 : cuts.front();
  h.update(msg.first(mid));
  H copy = h;
  copy.update(msg.subspan(mid));
  h.update(msg.subspan(mid));
  fuzz::check(fuzz::same(copy.finish(), want), "copied state differs from OpenSSL");
  fuzz::check(fuzz::same(h.finish(), want), "original after copy differs from OpenSSL");
}

template <class H, class Impl, std::size_t N>
void check_hash(const std::array<Impl, N>& impls, fuzz::cspan msg,
                const std::vector<std::size_t>& cuts) {
  std::array<std::uint8_t, H::digest_size> want{};
  fuzz::check(EVP_Digest(fuzz::ptr(msg), msg.size(), want.data(), nullptr,
                         fuzz::md_for(H::digest_size), nullptr) == 1,
              "EVP_Digest failed");
  fuzz::check(fuzz::same(H::hash(msg), want), "hash() differs from OpenSSL");
  H d;  // the default kernel of the current mode
  d.update(msg);
  fuzz::check(fuzz::same(d.finish(), want), "default-constructed object differs from OpenSSL");
  for (const auto impl : impls)
    if (supported(impl, hardware())) check_kernel<H>(impl, msg, cuts, want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::use(in.ConsumeBool() ? fuzz::kernels::portable : fuzz::kernels::best);
  const std::size_t ncuts = in.ConsumeIntegralInRange<std::size_t>(0, 8);
  std::array<std::uint16_t, 8> raw{};
  for (std::size_t i = 0; i < ncuts; ++i) raw[i] = in.ConsumeIntegral<std::uint16_t>();
  const std::vector<std::uint8_t> msg = in.ConsumeRemainingBytes<std::uint8_t>();

  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < ncuts; ++i) cuts.push_back(raw[i] % (msg.size() + 1));
  std::sort(cuts.begin(), cuts.end());

  check_hash<e2ee::sha256>(e2ee::all_sha256_impls, msg, cuts);
  check_hash<e2ee::sha512>(e2ee::all_sha512_impls, msg, cuts);
  return 0;
}
