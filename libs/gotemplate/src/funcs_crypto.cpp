// Sprig's hashes, derivePassword, AES, random strings and UUIDs (crypto.go, goutils) over
// OpenSSL's libcrypto.

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driftless/core/base64.h"
#include "driftless/core/random.h"
#include "funcs_util.h"
#include "internal.h"
#include "unicode.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::string hexOf(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string digest(const EVP_MD* md, const std::string& in) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(in.data(), in.size(), buf, &len, md, nullptr) != 1) callFail("digest failed");
  return hexOf(buf, len);
}

std::uint32_t adler32(const std::string& in) {
  std::uint32_t a = 1, b = 0;
  for (char c : in) {
    a = (a + static_cast<unsigned char>(c)) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void randomBytes(unsigned char* buf, std::size_t n) {
  if (n > 0 && RAND_bytes(buf, static_cast<int>(n)) != 1) callFail("crypto/rand: read failed");
}

// goutils.CryptoRandom: count characters from the printable ASCII range [start, end).
std::string cryptoRandom(std::int64_t count, int start, int end, bool letters, bool numbers) {
  if (count == 0) return "";
  if (count < 0) {
    callFail("Requested random string length " + std::to_string(count) + " is less than 0.");
  }
  std::string out;
  while (static_cast<std::int64_t>(out.size()) < count) {
    unsigned char b = 0;
    randomBytes(&b, 1);
    int c = start + b % (end - start);
    bool isLetter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool isNumber = c >= '0' && c <= '9';
    if ((letters && isLetter) || (numbers && isNumber) || (!letters && !numbers)) {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void appendBigEndian(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xFF);
}

// Master Password's algorithm, as Sprig's derivePassword implements it.
TValue derivePassword(Args a, Runtime&) {
  static const std::map<std::string, std::vector<std::string>> kTemplates = {
      {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
      {"long",
       {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
        "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
        "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
        "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
        "CvccCvcvCvccno"}},
      {"medium", {"CvcnoCvc", "CvcCvcno"}},
      {"short", {"Cvcn"}},
      {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
      {"pin", {"nnnn"}},
  };
  static const std::map<char, std::string> kChars = {
      {'V', "AEIOU"},
      {'C', "BCDFGHJKLMNPQRSTVWXYZ"},
      {'v', "aeiou"},
      {'c', "bcdfghjklmnpqrstvwxyz"},
      {'A', "AEIOUBCDFGHJKLMNPQRSTVWXYZ"},
      {'a', "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"},
      {'n', "0123456789"},
      {'o', "@&%?,=[]_:-+*$#!'^~;()/."},
      {'x', "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()"},
  };
  auto counter = static_cast<std::uint32_t>(fn::integer(a[0]));
  const std::string &type = str(a[1]), &password = str(a[2]), &user = str(a[3]), &site = str(a[4]);
  auto it = kTemplates.find(type);
  if (it == kTemplates.end()) return fn::string("cannot find password template " + type);
  const std::string seed = "com.lyndir.masterpassword";
  std::string salt = seed;
  appendBigEndian(salt, static_cast<std::uint32_t>(user.size()));
  salt += user;
  unsigned char key[64];
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), 32768, 8, 2,
                     64ULL * 1024 * 1024, key, sizeof key) != 1) {
    return fn::string("failed to derive password: scrypt failed");
  }
  std::string msg = seed;
  appendBigEndian(msg, static_cast<std::uint32_t>(site.size()));
  msg += site;
  appendBigEndian(msg, counter);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macLen = 0;
  HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), mac, &macLen);
  const auto& templates = it->second;
  const std::string& tmpl = templates[mac[0] % templates.size()];
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    const std::string& chars = kChars.at(tmpl[i]);
    out += chars[mac[i + 1] % chars.size()];
  }
  return fn::string(out);
}

std::string aesKey(const std::string& password) {
  std::string key(32, '\0');
  key.replace(0, std::min<std::size_t>(32, password.size()), password.substr(0, 32));
  return key;
}

TValue encryptAES(Args a, Runtime&) {
  const std::string& plain = str(a[1]);
  if (plain.empty()) return fn::string("");
  std::string key = aesKey(str(a[0]));
  std::size_t padding = 16 - plain.size() % 16;
  std::string content = plain + std::string(padding, static_cast<char>(padding));
  std::string out(16 + content.size(), '\0');
  auto* iv = reinterpret_cast<unsigned char*>(out.data());
  randomBytes(iv, 16);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), iv) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), iv + 16, &len,
                        reinterpret_cast<const unsigned char*>(content.data()),
                        static_cast<int>(content.size())) != 1) {
    callFail("crypto/aes: encryption failed");
  }
  return fn::string(core::base64Encode(out));
}

TValue decryptAES(Args a, Runtime&) {
  const std::string& text = str(a[1]);
  if (text.empty()) return fn::string("");
  std::string key = aesKey(str(a[0]));
  auto crypt = core::base64Decode(text);
  if (!crypt) callFail("illegal base64 data at input byte 0");
  if (crypt->size() < 16)
    callFail("runtime error: slice bounds out of range [:16] with length " +
             std::to_string(crypt->size()));
  std::size_t n = crypt->size() - 16;
  if (n % 16 != 0) callFail("crypto/cipher: input not full blocks");
  if (n == 0) callFail("runtime error: index out of range [-1]");
  std::string out(n, '\0');
  const auto* data = reinterpret_cast<const unsigned char*>(crypt->data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), data) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, data + 16,
                        static_cast<int>(n)) != 1) {
    callFail("crypto/aes: decryption failed");
  }
  auto pad = static_cast<unsigned char>(out.back());
  if (pad > out.size()) {
    callFail("runtime error: slice bounds out of range [:" +
             std::to_string(static_cast<long>(out.size()) - pad) + "]");
  }
  out.resize(out.size() - pad);
  return fn::string(out);
}

}  // namespace

std::vector<FuncDef> cryptoFuncs() {
  return {
      {"sha1sum", "S", 0,
       [](Args a, Runtime&) { return fn::string(digest(EVP_sha1(), str(a[0]))); }},
      {"sha256sum", "S", 0,
       [](Args a, Runtime&) { return fn::string(digest(EVP_sha256(), str(a[0]))); }},
      {"sha512sum", "S", 0,
       [](Args a, Runtime&) { return fn::string(digest(EVP_sha512(), str(a[0]))); }},
      {"adler32sum", "S", 0,
       [](Args a, Runtime&) { return fn::string(std::to_string(adler32(str(a[0])))); }},
      {"derivePassword", "USSSS", 0, derivePassword},
      {"encryptAES", "SS", 0, encryptAES},
      {"decryptAES", "SS", 0, decryptAES},
      {"randBytes", "I", 0,
       [](Args a, Runtime&) {
         std::int64_t n = fn::integer(a[0]);
         if (n < 0) callFail("runtime error: makeslice: len out of range");
         std::string buf(static_cast<std::size_t>(n), '\0');
         randomBytes(reinterpret_cast<unsigned char*>(buf.data()), buf.size());
         return fn::string(core::base64Encode(buf));
       }},
      {"uuidv4", "", 0, [](Args, Runtime&) { return fn::string(core::newUuidV4()); }},
      {"randInt", "II", 0,
       [](Args a, Runtime&) {
         std::int64_t lo = fn::integer(a[0]), hi = fn::integer(a[1]);
         if (hi <= lo) callFail("invalid argument to Intn");
         std::uint64_t r = 0;
         randomBytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
         return fn::integerValue(
             lo + static_cast<std::int64_t>(r % static_cast<std::uint64_t>(hi - lo)));
       }},
      {"shuffle", "S", 0,
       [](Args a, Runtime&) {
         auto rs = uni::runes(str(a[0]));
         for (std::size_t i = rs.size(); i > 1; --i) {
           std::uint64_t r = 0;
           randomBytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
           std::swap(rs[i - 1], rs[r % i]);
         }
         return fn::string(uni::encode(rs));
       }},
      {"hello", "", 0, [](Args, Runtime&) { return fn::string("Hello!"); }},
      {"randAlphaNum", "I", 0,
       [](Args a, Runtime&) {
         return fn::string(cryptoRandom(fn::integer(a[0]), 0, 128, true, true));
       }},
      {"randAlpha", "I", 0,
       [](Args a, Runtime&) {
         return fn::string(cryptoRandom(fn::integer(a[0]), 0, 128, true, false));
       }},
      {"randNumeric", "I", 0,
       [](Args a, Runtime&) {
         return fn::string(cryptoRandom(fn::integer(a[0]), 0, 128, false, true));
       }},
      {"randAscii", "I", 0,
       [](Args a, Runtime&) {
         return fn::string(cryptoRandom(fn::integer(a[0]), 32, 127, false, false));
       }},
  };
}

}  // namespace driftless::gotemplate
