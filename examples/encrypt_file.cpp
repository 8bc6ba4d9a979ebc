// encrypt_file: encrypts and decrypts a file of any size in constant memory
// with e2ee's chunked AES-256-GCM attachment format
// (protocol::chunked_attachment_encryptor / _decryptor).
//
//   e2ee_encrypt_file encrypt IN OUT       prints a fresh key (hex) for OUT
//   e2ee_encrypt_file decrypt IN OUT KEY   writes OUT only if IN is intact
//   e2ee_encrypt_file                      self-test (what CI runs)
//
// In a messenger, the sender uploads OUT and sends the key (with the size)
// inside an end-to-end encrypted message; the recipient downloads and
// decrypts. Memory use is one read buffer plus one 64 KiB chunk, whatever
// the file's size.
#include <e2ee/e2ee.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace proto = e2ee::protocol;

namespace {

constexpr std::size_t read_size = 16 * 1024;  // any size works: chunking is the library's job

struct file {
  std::FILE* f = nullptr;
  file(const std::string& path, const char* mode) : f(std::fopen(path.c_str(), mode)) {}
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file() {
    if (f != nullptr) std::fclose(f);
  }
  bool write(std::span<const std::uint8_t> data) {
    return data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size();
  }
  bool close() {  // reports a failed flush, which a destructor cannot
    const bool ok = std::fclose(f) == 0;
    f = nullptr;
    return ok;
  }
};

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool from_hex(const std::string& s, std::span<std::uint8_t, 32> out) {
  if (s.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

// encrypt: streams `in` to `out` under `key` (a random salt is drawn per file).
bool encrypt(const std::string& in_path, const std::string& out_path, std::span<const std::uint8_t, 32> key) {
  e2ee::os_random rng;
  std::array<std::uint8_t, 16> salt{};
  if (!rng.fill(salt)) return false;
  file in(in_path, "rb"), out(out_path, "wb");
  if (in.f == nullptr || out.f == nullptr) return false;
  proto::chunked_attachment_encryptor enc(key, salt);
  std::vector<std::uint8_t> buf(read_size);
  std::vector<std::uint8_t> sealed(proto::chunked_attachment_encryptor::max_update_output(read_size));
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), in.f);
    if (n == 0) break;
    auto written = enc.update(std::span(buf).first(n), sealed);
    if (!written || !out.write(std::span(sealed).first(*written))) return false;
  }
  if (std::ferror(in.f)) return false;
  sealed.resize(std::max(sealed.size(), proto::chunked_attachment_encryptor::max_finish_output));
  auto last = enc.finish(sealed);
  return last && out.write(std::span(sealed).first(*last)) && out.close();
}

// decrypt: writes to OUT.part and renames it to OUT only when the whole
// stream verified. Every chunk the decryptor releases is authentic, but a
// stream cut short at a chunk boundary is only detected by finish().
e2ee::result<std::uint64_t> decrypt(const std::string& in_path, const std::string& out_path,
                                    std::span<const std::uint8_t, 32> key) {
  const std::string part = out_path + ".part";
  file in(in_path, "rb");
  if (in.f == nullptr) return e2ee::error::invalid_argument;
  std::uint64_t total = 0;
  e2ee::result<void> status;
  {
    file out(part, "wb");
    if (out.f == nullptr) return e2ee::error::storage_failure;
    proto::chunked_attachment_decryptor dec(key);
    std::vector<std::uint8_t> buf(read_size);
    std::vector<std::uint8_t> plain(
        std::max(proto::chunked_attachment_decryptor::max_update_output(read_size),
                 proto::chunked_attachment_decryptor::max_finish_output));
    for (;;) {
      const std::size_t n = std::fread(buf.data(), 1, buf.size(), in.f);
      if (n == 0) break;
      auto got = dec.update(std::span(buf).first(n), plain);
      if (!got) {
        status = got.error();
        break;
      }
      if (!out.write(std::span(plain).first(*got))) status = e2ee::error::storage_failure;
      total += *got;
      if (!status) break;
    }
    if (status && std::ferror(in.f)) status = e2ee::error::storage_failure;
    if (status) {
      auto last = dec.finish(plain);
      if (!last) {
        status = last.error();
      } else if (!out.write(std::span(plain).first(*last)) || !out.close()) {
        status = e2ee::error::storage_failure;
      } else {
        total += *last;
      }
    }
  }
  if (!status) {
    std::remove(part.c_str());  // never leave plaintext of a bad stream behind
    return status.error();
  }
  if (std::rename(part.c_str(), out_path.c_str()) != 0) return e2ee::error::storage_failure;
  return total;
}

bool same_contents(const std::string& a, const std::string& b) {
  file fa(a, "rb"), fb(b, "rb");
  if (fa.f == nullptr || fb.f == nullptr) return false;
  std::vector<char> x(read_size), y(read_size);
  for (;;) {
    const std::size_t n = std::fread(x.data(), 1, x.size(), fa.f);
    const std::size_t m = std::fread(y.data(), 1, y.size(), fb.f);
    if (n != m || std::memcmp(x.data(), y.data(), n) != 0) return false;
    if (n == 0) return true;
  }
}

// The self-test: a 300,000-byte file (4 full chunks and a partial one) round
// trips; a flipped byte, a truncated stream and a wrong key are refused and
// leave no output.
int self_test() {
  e2ee::os_random rng;
  std::array<std::uint8_t, 4> tag{};  // unique names: several runs may share the temp directory
  if (!rng.fill(tag)) return 1;
  const std::string dir = (std::filesystem::temp_directory_path() / ("e2ee_encrypt_file_" + to_hex(tag))).string();
  std::filesystem::create_directories(dir);
  const std::string plain = dir + "/plain.bin", sealed = dir + "/sealed.bin", back = dir + "/back.bin";
  {
    file f(plain, "wb");
    std::vector<std::uint8_t> data(300000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    if (f.f == nullptr || !f.write(data) || !f.close()) return 1;
  }
  std::array<std::uint8_t, 32> key{};
  if (!rng.fill(key) || !encrypt(plain, sealed, key)) return 1;
  auto n = decrypt(sealed, back, key);
  if (!n || *n != 300000 || !same_contents(plain, back)) {
    std::puts("round trip FAILED");
    return 1;
  }
  std::printf("encrypted and decrypted %llu bytes\n", static_cast<unsigned long long>(*n));
  std::remove(back.c_str());

  int failures = 0;
  auto expect_refused = [&](const char* what, const std::string& path, std::span<const std::uint8_t, 32> k) {
    auto r = decrypt(path, back, k);
    const bool left_output = file(back, "rb").f != nullptr || file(back + ".part", "rb").f != nullptr;
    std::printf("%-28s %s\n", what, r ? "ACCEPTED (bad)" : std::string(e2ee::to_string(r.error())).c_str());
    if (r || left_output) ++failures;
    std::remove(back.c_str());
  };
  std::vector<std::uint8_t> blob;
  {
    file f(sealed, "rb");
    std::vector<std::uint8_t> buf(read_size);
    for (std::size_t m; (m = std::fread(buf.data(), 1, buf.size(), f.f)) != 0;) blob.insert(blob.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(m));
  }
  const std::string bad = dir + "/bad.bin";
  auto write_bad = [&](std::span<const std::uint8_t> bytes) {
    file f(bad, "wb");
    return f.write(bytes) && f.close();
  };
  std::vector<std::uint8_t> flipped = blob;
  flipped[100000] ^= 0x01;
  if (!write_bad(flipped)) return 1;
  expect_refused("one flipped byte:", bad, key);
  // Cut after the second chunk: 17-byte header, then chunks of 65,536 + 16 bytes.
  if (!write_bad(std::span(blob).first(17 + 2 * (65536 + 16)))) return 1;
  expect_refused("cut at a chunk boundary:", bad, key);
  std::array<std::uint8_t, 32> other = key;
  other[0] ^= 0x80;
  expect_refused("wrong key:", sealed, other);
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) return self_test();
  const std::string cmd = argv[1];
  if (cmd == "encrypt" && argc == 4) {
    e2ee::os_random rng;
    std::array<std::uint8_t, 32> key{};
    if (!rng.fill(key) || !encrypt(argv[2], argv[3], key)) {
      std::fprintf(stderr, "encryption failed\n");
      return 1;
    }
    std::printf("%s\n", to_hex(key).c_str());  // keep it secret: it opens the file
    e2ee::wipe(key);
    return 0;
  }
  if (cmd == "decrypt" && argc == 5) {
    std::array<std::uint8_t, 32> key{};
    if (!from_hex(argv[4], key)) {
      std::fprintf(stderr, "the key must be 64 hex digits\n");
      return 2;
    }
    auto n = decrypt(argv[2], argv[3], key);
    e2ee::wipe(key);
    if (!n) {
      std::fprintf(stderr, "decryption failed: %s (no output written)\n", e2ee::to_string(n.error()).data());
      return 1;
    }
    return 0;
  }
  std::fprintf(stderr, "usage: %s [encrypt IN OUT | decrypt IN OUT KEY]\n", argv[0]);
  return 2;
}
