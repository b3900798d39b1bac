#include "driftless/sops/sops.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <charconv>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "driftless/core/base64.h"
#include "driftless/core/go_format.h"

namespace driftless::sops {

namespace {

struct Rules {
  std::string unencryptedSuffix;
  std::string encryptedSuffix;
  std::unique_ptr<RE2> unencryptedRegex;
  std::unique_ptr<RE2> encryptedRegex;

  // sops' shouldBeEncrypted over the mapping keys on the path.
  [[nodiscard]] bool encrypted(const std::vector<std::string>& path) const {
    bool enc = true;
    if (!unencryptedSuffix.empty()) {
      for (const auto& p : path) {
        if (p.ends_with(unencryptedSuffix)) {
          enc = false;
          break;
        }
      }
    }
    if (!encryptedSuffix.empty()) {
      enc = false;
      for (const auto& p : path) {
        if (p.ends_with(encryptedSuffix)) {
          enc = true;
          break;
        }
      }
    }
    if (unencryptedRegex) {
      for (const auto& p : path) {
        if (RE2::PartialMatch(p, *unencryptedRegex)) {
          enc = false;
          break;
        }
      }
    }
    if (encryptedRegex) {
      enc = false;
      for (const auto& p : path) {
        if (RE2::PartialMatch(p, *encryptedRegex)) {
          enc = true;
          break;
        }
      }
    }
    return enc;
  }
};

std::unique_ptr<RE2> regex(const core::Value& v, std::string_view name) {
  if (!v.isString() || v.asString().empty()) return nullptr;
  auto re = std::make_unique<RE2>(v.asString(), RE2::Quiet);
  if (!re->ok()) throw SopsError("invalid sops " + std::string(name) + ": " + re->error());
  return re;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};

std::vector<std::uint8_t> b64(const std::string& text, std::string_view what) {
  auto d = core::base64Decode(text);
  if (!d) throw SopsError("Error base64-decoding " + std::string(what));
  return {d->begin(), d->end()};
}

// `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]` decrypted with AAD.
core::Value decryptValue(const std::string& ciphertext, const std::string& key,
                         const std::string& aad) {
  if (ciphertext.empty()) return core::Value("");
  static const RE2 kFormat(R"(^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\])");
  std::string data64;
  std::string iv64;
  std::string tag64;
  std::string type;
  if (!RE2::PartialMatch(ciphertext, kFormat, &data64, &iv64, &tag64, &type)) {
    throw SopsError("Could not decrypt value: Input string " + ciphertext +
                    " does not match sops' data format");
  }
  const auto data = b64(data64, "data");
  const auto iv = b64(iv64, "iv");
  auto tag = b64(tag64, "tag");
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  std::string plain(data.size(), '\0');
  int len = 0;
  int finalLen = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), iv.data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        data.data(), static_cast<int>(data.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &finalLen) == 1;
  if (!ok) {
    throw SopsError(
        "Could not decrypt value: Could not decrypt with AES_GCM: cipher: message "
        "authentication failed");
  }
  if (type == "str" || type == "bytes" || type == "time" || type == "comment") {
    return core::Value(plain);
  }
  if (type == "int") {
    long long v = 0;
    auto [end, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), v);
    if (ec != std::errc() || end != plain.data() + plain.size()) {
      throw SopsError("Could not decrypt value: invalid int " + core::goQuote(plain));
    }
    return core::Value(v);
  }
  if (type == "float") {
    try {
      std::size_t used = 0;
      double d = std::stod(plain, &used);
      if (used != plain.size()) throw std::invalid_argument("float");
      return core::Value(d);
    } catch (const std::exception&) {
      throw SopsError("Could not decrypt value: invalid float " + core::goQuote(plain));
    }
  }
  if (type == "bool") {
    for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
      if (plain == t) return core::Value(true);
    }
    for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
      if (plain == f) return core::Value(false);
    }
    throw SopsError("Could not decrypt value: invalid bool " + core::goQuote(plain));
  }
  throw SopsError("Could not decrypt value: Unknown datatype: " + type);
}

void walk(core::Value& node, std::vector<std::string>& path, const Rules& rules,
          const std::string& key) {
  if (node.isObject()) {
    for (auto& member : node.asObject()) {
      path.push_back(member.key);
      walk(member.value, path, rules, key);
      path.pop_back();
    }
    return;
  }
  if (node.isArray()) {
    for (auto& item : node.asArray())
      walk(item, path, rules, key);
    return;
  }
  if (node.isNull() || !rules.encrypted(path)) return;
  if (!node.isString()) {
    throw SopsError("Error walking tree: Expected encrypted value as string, but got " +
                    std::string(node.typeName()));
  }
  std::string aad;
  for (const auto& p : path)
    aad += p + ":";
  node = decryptValue(node.asString(), key, aad);
}

// The age entries of the metadata (`age:` or `key_groups[*].age`).
std::vector<std::string> ageKeys(const core::Value& meta) {
  std::vector<std::string> out;
  auto collect = [&out](const core::Value& list) {
    if (!list.isArray()) return;
    for (const auto& e : list.asArray()) {
      if (e["enc"].isString()) out.push_back(e["enc"].asString());
    }
  };
  collect(meta["age"]);
  if (meta["key_groups"].isArray()) {
    for (const auto& g : meta["key_groups"].asArray())
      collect(g["age"]);
  }
  return out;
}

}  // namespace

bool isEncrypted(const core::Value& object) {
  const core::Value& meta = object["sops"];
  return meta.isObject() && meta.find("mac") != nullptr;
}

void decrypt(core::Value& object, const AgeIdentities& identities) {
  const core::Value meta = std::as_const(object)["sops"];
  if (!meta.isObject()) throw SopsError("sops metadata not found");
  const std::vector<std::string> encs = ageKeys(meta);
  if (encs.empty()) {
    throw SopsError(
        "cannot get sops data key: no age master key in the sops metadata "
        "(only age is supported)");
  }
  std::string key;
  std::string lastError = "no age identity was provided";
  if (!identities.empty()) {
    for (const auto& enc : encs) {
      try {
        key = identities.decrypt(enc);
        if (key.size() == 32) break;
        lastError = "the data key has the wrong length";
        key.clear();
      } catch (const std::exception& e) {
        lastError = e.what();
      }
    }
  }
  if (key.empty()) throw SopsError("cannot get sops data key: " + lastError);

  Rules rules;
  rules.unencryptedSuffix = meta["unencrypted_suffix"].stringOr();
  rules.encryptedSuffix = meta["encrypted_suffix"].stringOr();
  rules.unencryptedRegex = regex(meta["unencrypted_regex"], "unencrypted_regex");
  rules.encryptedRegex = regex(meta["encrypted_regex"], "encrypted_regex");
  if (rules.unencryptedSuffix.empty() && rules.encryptedSuffix.empty() && !rules.unencryptedRegex &&
      !rules.encryptedRegex) {
    rules.unencryptedSuffix = "_unencrypted";
  }
  object.asObject().erase("sops");
  std::vector<std::string> path;
  for (auto& member : object.asObject()) {
    path.assign(1, member.key);
    walk(member.value, path, rules, key);
  }
}

}  // namespace driftless::sops
