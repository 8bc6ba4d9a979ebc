// key_store: a device's long-term keys kept on disk, each record sealed
// with protocol::sealed_storage (AES-256-GCM under a per-record key derived
// from a storage key, bound to the record's kind and name).
//
// Run without arguments (what CI does): it registers a device (identity,
// signed prekey, one-time prekeys), writes each record to its own file,
// "restarts" and loads them back into a protocol::memory_store, shows that
// a tampered or swapped file is refused, and rotates the storage key.
//
// The storage key itself belongs in the platform's keystore (Android
// Keystore, iOS Keychain, a TPM, libsecret); this example just draws one.
#include <e2ee/e2ee.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace proto = e2ee::protocol;
namespace fs = std::filesystem;

namespace {

// One file per record: <dir>/<kind>-<name>.sealed. Writes go to a temporary
// file first and are renamed into place, so a crash never leaves half a record.
class file_key_store {
 public:
  file_key_store(fs::path dir, std::uint32_t key_id, std::span<const std::uint8_t, 32> storage_key)
      : dir_(std::move(dir)), box_(key_id, storage_key) {
    fs::create_directories(dir_);
  }

  bool put(proto::record_kind kind, const std::string& name, std::span<const std::uint8_t> plaintext) {
    e2ee::os_random rng;
    auto sealed = box_.seal(kind, name, plaintext, rng);
    return sealed && write(path(kind, name), *sealed);
  }

  e2ee::result<std::vector<std::uint8_t>> get(proto::record_kind kind, const std::string& name) const {
    auto bytes = read(path(kind, name));
    if (!bytes) return e2ee::error::storage_failure;
    return box_.open(kind, name, *bytes);
  }

  // Storage key rotation: new records use the new key at once; old ones are
  // resealed, after which the old key can be forgotten.
  bool rotate(std::uint32_t new_id, std::span<const std::uint8_t, 32> new_key) {
    const std::uint32_t old_id = box_.current_key_id();
    box_.add_key(new_id, new_key);
    if (!box_.make_current(new_id)) return false;
    e2ee::os_random rng;
    for (const auto& [kind, name] : records()) {
      auto bytes = read(path(kind, name));
      if (!bytes) return false;
      if (!box_.needs_reseal(*bytes)) continue;
      auto resealed = box_.reseal(kind, name, *bytes, rng);
      if (!resealed || !write(path(kind, name), *resealed)) return false;
    }
    return box_.remove_key(old_id);
  }

  fs::path path(proto::record_kind kind, const std::string& name) const {
    return dir_ / (std::to_string(static_cast<int>(kind)) + "-" + name + ".sealed");
  }

 private:
  bool write(const fs::path& p, std::span<const std::uint8_t> bytes) {
    const fs::path tmp = p.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out.flush()) return false;
    }
    std::error_code ec;
    fs::rename(tmp, p, ec);
    return !ec;
  }
  static std::optional<std::vector<std::uint8_t>> read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Every record in the directory, from the file names.
  std::vector<std::pair<proto::record_kind, std::string>> records() const {
    std::vector<std::pair<proto::record_kind, std::string>> out;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().extension() != ".sealed") continue;
      const std::string file = entry.path().stem().string();  // "<kind>-<name>"
      const auto dash = file.find('-');
      if (dash == std::string::npos) continue;
      out.emplace_back(static_cast<proto::record_kind>(std::stoi(file.substr(0, dash))), file.substr(dash + 1));
    }
    return out;
  }

  fs::path dir_;
  proto::sealed_storage box_;
};

int fail(const char* what) {
  std::printf("FAILED: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  e2ee::os_random rng;
  std::array<std::uint8_t, 4> tag{};  // a unique directory: several runs may share the temp directory
  if (!rng.fill(tag)) return fail("random");
  const fs::path dir = fs::temp_directory_path() /
                       ("e2ee_key_store_" + std::to_string(tag[0] | tag[1] << 8 | tag[2] << 16 | (tag[3] & 0x7f) << 24));
  std::array<std::uint8_t, 32> storage_key{};  // from the platform keystore in a real app
  if (!rng.fill(storage_key)) return fail("random");

  // Registration: identity, one signed prekey and three one-time prekeys, each sealed to disk.
  std::array<std::uint8_t, 32> identity_public{};
  {
    file_key_store keys(dir, /*key id*/ 1, storage_key);
    auto identity = proto::key_pair::generate(rng);
    auto registration_id = proto::generate_registration_id(rng);
    if (!identity || !registration_id) return fail("key generation");
    identity_public = identity->public_key;
    auto spk = proto::make_signed_pre_key(*identity, 1, /*timestamp*/ 0, rng);
    if (!spk) return fail("signed prekey");
    bool ok = keys.put(proto::record_kind::identity, "self", proto::encode_identity(*identity, *registration_id)) &&
              keys.put(proto::record_kind::signed_pre_key, "1", proto::encode_signed_pre_key(*spk));
    for (std::uint32_t id = 1; id <= 3; ++id) {
      auto k = proto::key_pair::generate(rng);
      if (!k) return fail("prekey");
      ok = ok && keys.put(proto::record_kind::pre_key, std::to_string(id), proto::encode_pre_key({id, std::move(*k)}));
    }
    if (!ok) return fail("writing the records");
    std::printf("registered: 5 sealed records in %s\n", dir.string().c_str());
  }

  // Restart: read everything back into a memory_store.
  file_key_store keys(dir, 1, storage_key);
  auto load_store = [&]() -> std::optional<proto::memory_store> {
    auto id_bytes = keys.get(proto::record_kind::identity, "self");
    if (!id_bytes) return std::nullopt;
    auto id = proto::decode_identity(*id_bytes);
    if (!id) return std::nullopt;
    proto::memory_store store(std::move(id->identity), id->registration_id);
    auto spk_bytes = keys.get(proto::record_kind::signed_pre_key, "1");
    if (!spk_bytes) return std::nullopt;
    auto spk = proto::decode_signed_pre_key(*spk_bytes);
    if (!spk) return std::nullopt;
    store.store_signed_pre_key(std::move(*spk));
    for (std::uint32_t n = 1; n <= 3; ++n) {
      auto bytes = keys.get(proto::record_kind::pre_key, std::to_string(n));
      if (!bytes) return std::nullopt;
      auto pk = proto::decode_pre_key(*bytes);
      if (!pk) return std::nullopt;
      store.store_pre_key(std::move(*pk));
    }
    return store;
  };
  auto store = load_store();
  if (!store || store->identity_key_pair().public_key != identity_public || store->pre_key_count() != 3)
    return fail("loading the records back");
  std::puts("restarted: identity, signed prekey and 3 prekeys loaded");

  // A changed byte, or one record's file copied over another's, is refused.
  const auto p1 = keys.path(proto::record_kind::pre_key, "1"), p2 = keys.path(proto::record_kind::pre_key, "2");
  const auto saved = std::vector<std::uint8_t>(std::istreambuf_iterator<char>(std::ifstream(p1, std::ios::binary).rdbuf()),
                                               std::istreambuf_iterator<char>());
  fs::copy_file(p2, p1, fs::copy_options::overwrite_existing);
  auto swapped = keys.get(proto::record_kind::pre_key, "1");
  std::printf("prekey 2 copied over prekey 1: %s\n",
              swapped ? "ACCEPTED (bad)" : std::string(e2ee::to_string(swapped.error())).c_str());
  if (swapped) return fail("a swapped record was accepted");
  {
    auto flipped = saved;
    flipped[flipped.size() / 2] ^= 0x04;
    std::ofstream(p1, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(flipped.data()), static_cast<std::streamsize>(flipped.size()));
  }
  auto tampered = keys.get(proto::record_kind::pre_key, "1");
  std::printf("one byte changed:              %s\n",
              tampered ? "ACCEPTED (bad)" : std::string(e2ee::to_string(tampered.error())).c_str());
  if (tampered) return fail("a changed record was accepted");
  std::ofstream(p1, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(saved.data()), static_cast<std::streamsize>(saved.size()));

  // Rotate the storage key: every record is resealed, the old key is forgotten.
  std::array<std::uint8_t, 32> next_key{};
  if (!rng.fill(next_key) || !keys.rotate(2, next_key)) return fail("rotation");
  if (!load_store()) return fail("loading after rotation");
  file_key_store old_only(dir, 1, storage_key);
  if (old_only.get(proto::record_kind::identity, "self")) return fail("the old key still opens records");
  std::puts("rotated: records resealed under key 2; key 1 opens nothing");

  e2ee::wipe(storage_key);
  e2ee::wipe(next_key);
  fs::remove_all(dir);
  return 0;
}
