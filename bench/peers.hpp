// bench/peers.hpp — the optional peer libraries: OpenSSL 3 (E2EE_BENCH_OPENSSL),
// libsodium (E2EE_BENCH_SODIUM) and libsignal-protocol-c (E2EE_BENCH_LIBSIGNAL_C),
// with small owning handles for OpenSSL objects.
// Peers are used the way PERF.md calls "best use": algorithms fetched once,
// contexts reused, only what changes per message set per call.
#pragma once

#include <memory>
#include <string>

#if defined(E2EE_BENCH_OPENSSL)
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#endif
#if defined(E2EE_BENCH_SODIUM)
#include <sodium.h>
#endif
#if defined(E2EE_BENCH_LIBSIGNAL_C)
// libsignal-protocol-c exports these (XEdDSA with an explicit 64-byte random,
// and its verification, 0 = valid) without declaring them in its headers.
namespace e2ee_bench::libsignal_c {
extern "C" int curve25519_sign(unsigned char* signature_out, const unsigned char* curve25519_privkey,
                               const unsigned char* msg, unsigned long msg_len, const unsigned char* random);
extern "C" int curve25519_verify(const unsigned char* signature, const unsigned char* curve25519_pubkey,
                                 const unsigned char* msg, unsigned long msg_len);
}  // namespace e2ee_bench::libsignal_c
#endif

namespace e2ee_bench {

#if defined(E2EE_BENCH_OPENSSL)
namespace ossl {
struct md_free {
  void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct mac_free {
  void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};
struct mac_ctx_free {
  void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};
struct kdf_free {
  void operator()(EVP_KDF* p) const noexcept { EVP_KDF_free(p); }
};
struct kdf_ctx_free {
  void operator()(EVP_KDF_CTX* p) const noexcept { EVP_KDF_CTX_free(p); }
};
using md = std::unique_ptr<EVP_MD, md_free>;
using md_ctx = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using mac = std::unique_ptr<EVP_MAC, mac_free>;
using mac_ctx = std::unique_ptr<EVP_MAC_CTX, mac_ctx_free>;
using kdf = std::unique_ptr<EVP_KDF, kdf_free>;
using kdf_ctx = std::unique_ptr<EVP_KDF_CTX, kdf_ctx_free>;

// utf8 builds an OSSL_PARAM for a string setting (OpenSSL wants a non-const
// pointer but only reads it).
inline OSSL_PARAM utf8(const char* key, const char* value) {
  return OSSL_PARAM_construct_utf8_string(key, const_cast<char*>(value), 0);
}
inline OSSL_PARAM octets(const char* key, const void* p, std::size_t n) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<void*>(p), n);
}
}  // namespace ossl
#endif

}  // namespace e2ee_bench
