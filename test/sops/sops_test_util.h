#pragma once

// Test fixtures in SOPS's format: a data key encrypted with the real `age` CLI (Debian's age
// package) and values encrypted as sops does (AES-256-GCM, 32-byte IV, the key path as AAD).

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>

#include "driftless/core/base64.h"
#include "driftless/core/value.h"
#include "kubectl_harness.h"

namespace driftless::test {

inline bool haveAge() {
  return run("command -v age && command -v age-keygen").exitCode == 0;
}

struct AgeKey {
  std::string identity;   // the key file
  std::string recipient;  // age1...
};

inline AgeKey ageKeygen() {
  CommandResult r = run("(age-keygen 2>/dev/null)");
  AgeKey k;
  k.identity = r.out;
  auto pos = r.out.find("# public key: ");
  if (pos != std::string::npos) {
    k.recipient = r.out.substr(pos + 14, r.out.find('\n', pos) - pos - 14);
  }
  return k;
}

// `age -r RECIPIENT -a` of bytes (through a temp file: the key is binary).
inline std::string ageEncrypt(const std::string& recipient, const std::string& bytes,
                              const std::string& tmpFile) {
  FILE* f = std::fopen(tmpFile.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return run("age -a -r " + recipient + " " + tmpFile).out;
}

inline std::string sopsEncrypt(const std::string& plain, const std::string& key,
                               const std::string& aad, const std::string& type = "str") {
  unsigned char iv[32];
  RAND_bytes(iv, sizeof iv);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(plain.size(), '\0');
  int len = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof iv, nullptr);
  EVP_EncryptInit_ex(ctx, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()), iv);
  EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                    static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(plain.data()),
                    static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, nullptr, &len);
  unsigned char tag[16];
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, sizeof tag, tag);
  EVP_CIPHER_CTX_free(ctx);
  return "ENC[AES256_GCM,data:" + core::base64Encode(out) +
         ",iv:" + core::base64Encode(std::string(reinterpret_cast<char*>(iv), sizeof iv)) +
         ",tag:" + core::base64Encode(std::string(reinterpret_cast<char*>(tag), sizeof tag)) +
         ",type:" + type + "]";
}

// A 32-byte data key.
inline std::string newDataKey() {
  std::string key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32);
  return key;
}

// The sops metadata for one age recipient.
inline core::Value sopsMetadata(const std::string& recipient, const std::string& encryptedKey,
                                const std::string& encryptedRegex = "") {
  core::Value age = core::Value::object();
  age["recipient"] = recipient;
  age["enc"] = encryptedKey;
  core::Value meta = core::Value::object();
  meta["age"] = core::Value::array();
  meta["age"].push_back(std::move(age));
  meta["lastmodified"] = "2026-11-22T00:00:00Z";
  meta["mac"] = "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]";
  if (!encryptedRegex.empty()) meta["encrypted_regex"] = encryptedRegex;
  meta["version"] = "3.9.0";
  return meta;
}

}  // namespace driftless::test
