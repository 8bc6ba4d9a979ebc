// e2ee demo: the symmetric half of one Double Ratchet step, with e2ee's
// hash, MAC and KDF. Usage: e2ee_demo [message]
//
// A Signal-style chain key CK advances per message (SIGNAL.md A4):
//   message key seed = HMAC-SHA256(CK, 0x01), next CK = HMAC-SHA256(CK, 0x02);
//   the seed expands with HKDF-SHA256 (info "WhisperMessageKeys") into an
//   80-byte cipher key || MAC key || IV. Later issues grow this into a chat.
#include <e2ee/e2ee.hpp>

#include <array>
#include <cstdio>
#include <span>
#include <string_view>

namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void show(const char* label, std::span<const std::uint8_t> b) {
  std::printf("  %-22s %s\n", label, e2ee::to_hex(b).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view message = argc > 1 ? argv[1] : "hello from e2ee";
  std::printf("e2ee demo (SHA-256 kernel: %s, SHA-512 kernel: %s)\n\n",
              e2ee::to_string(e2ee::best_sha256_impl()).data(),
              e2ee::to_string(e2ee::best_sha512_impl()).data());

  std::printf("message: \"%.*s\"\n", static_cast<int>(message.size()), message.data());
  show("SHA-256", e2ee::sha256::hash(as_bytes(message)));
  show("SHA-512", e2ee::sha512::hash(as_bytes(message)));

  // A fresh root of trust for the demo: 32 random bytes from the OS.
  e2ee::secret<32> chain_key;
  if (!e2ee::os_random{}.fill(chain_key.writable())) {
    std::puts("error: the OS random source failed");
    return 1;
  }

  std::printf("\nthree chain steps from a random chain key (secret bytes shown for the demo only):\n");
  constexpr std::array<std::uint8_t, 1> message_key_label{0x01}, chain_key_label{0x02};
  constexpr std::string_view info = "WhisperMessageKeys";
  for (int step = 0; step < 3; ++step) {
    auto seed = e2ee::hmac<e2ee::sha256>::mac(chain_key.expose(), message_key_label);
    const auto next = e2ee::hmac<e2ee::sha256>::mac(chain_key.expose(), chain_key_label);
    auto keys = e2ee::hkdf<e2ee::sha256>::derive<80>({}, seed, as_bytes(info));
    std::printf(" step %d\n", step);
    show("cipher key", std::span(keys).first(32));
    show("MAC key", std::span(keys).subspan(32, 32));
    show("IV", std::span(keys).last(16));
    chain_key = e2ee::secret<32>(next);
    e2ee::wipe(seed);
    e2ee::wipe(keys);
  }

  const auto tag = e2ee::hmac<e2ee::sha256>::mac(chain_key.expose(), as_bytes(message));
  std::printf("\nHMAC-SHA256(chain key, message) verifies: %s\n",
              e2ee::hmac<e2ee::sha256>::verify(chain_key.expose(), as_bytes(message), tag) ? "yes" : "NO");
  return 0;
}
