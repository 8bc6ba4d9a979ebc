// e2ee/e2ee.hpp — the umbrella header: includes every public e2ee header.
//
//   #include <e2ee/e2ee.hpp>
//   auto digest = e2ee::sha256::hash(message);
#pragma once

#include "aead/aes_gcm.hpp"
#include "cipher/aes.hpp"
#include "cipher/cbc.hpp"
#include "core.hpp"
#include "ec/conversions.hpp"
#include "ec/ed25519.hpp"
#include "ec/x25519.hpp"
#include "ec/xeddsa.hpp"
#include "hash/sha256.hpp"
#include "hash/sha512.hpp"
#include "kdf/hkdf.hpp"
#include "mac/hmac.hpp"
#include "protocol/attachment.hpp"
#include "protocol/double_ratchet.hpp"
#include "protocol/fingerprint.hpp"
#include "protocol/key_lifecycle.hpp"
#include "protocol/keys.hpp"
#include "protocol/messages.hpp"
#include "protocol/migration.hpp"
#include "protocol/ratchet_keys.hpp"
#include "protocol/sealed_storage.hpp"
#include "protocol/sender_keys.hpp"
#include "protocol/session.hpp"
#include "protocol/wire.hpp"
#include "protocol/x3dh.hpp"
