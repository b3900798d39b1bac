// Sprig's key and certificate functions (genPrivateKey, genCA, genSelfSignedCert,
// genSignedCert and their *WithKey forms, buildCustomCert) and bcrypt/htpasswd, over OpenSSL's
// libcrypto and libxcrypt.

#include <arpa/inet.h>
#include <crypt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "driftless/core/base64.h"
#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Pkey generateKey(const std::string& type) {
  EVP_PKEY* key = nullptr;
  if (type.empty() || type == "rsa") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(4096));
  } else if (type == "ecdsa") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else if (type == "ed25519") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else if (type == "dsa") {
    PkeyCtx pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
    EVP_PKEY* params = nullptr;
    if (pctx && EVP_PKEY_paramgen_init(pctx.get()) == 1 &&
        EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), 2048) == 1 &&
        EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx.get(), 256) == 1 &&
        EVP_PKEY_paramgen(pctx.get(), &params) == 1) {
      Pkey p(params);
      PkeyCtx kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, p.get(), nullptr));
      if (kctx && EVP_PKEY_keygen_init(kctx.get()) == 1) EVP_PKEY_keygen(kctx.get(), &key);
    }
  }
  return Pkey(key);
}

Pkey rsaKey(int bits) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!key) callFail("error generating rsa key: key generation failed");
  return key;
}

// Sprig's pemBlockForKey: PKCS#1/SEC1/DSA traditional forms, PKCS#8 for the others.
std::string keyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  int id = EVP_PKEY_get_base_id(key);
  bool traditional = id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_DSA;
  int ok = traditional
               ? PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                      nullptr)
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (ok != 1) callFail("error pem-encoding key");
  return bioText(bio.get());
}

Pkey parseKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    if (pem.find("-----BEGIN") == std::string::npos) callFail("no PEM data in input");
    callFail("invalid private key");
  }
  return key;
}

X509Ptr parseCert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) callFail("unable to decode certificate");
  return cert;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    callFail("error creating certificate: bad extension " + value);
  }
}

std::string subjectAltNames(const TValue& ips, const TValue& dns) {
  std::string out;
  for (const auto& ip : sliceElements(ips)) {
    if (ip.kind != Kind::String) {
      callFail("error parsing ip: " + strval(ip) + " is not a string");
    }
    const std::string& s = ip.v().asString();
    unsigned char buf[16];
    if (inet_pton(AF_INET, s.c_str(), buf) != 1 && inet_pton(AF_INET6, s.c_str(), buf) != 1) {
      callFail("error parsing ip: " + s);
    }
    out += (out.empty() ? "" : ",") + std::string("IP:") + s;
  }
  for (const auto& name : sliceElements(dns)) {
    if (name.kind != Kind::String) {
      callFail("error processing alternate dns name: " + strval(name) + " is not a string");
    }
    out += (out.empty() ? "" : ",") + std::string("DNS:") + name.v().asString();
  }
  return out;
}

struct Signer {
  X509* cert;  // nullptr: self-signed
  EVP_PKEY* key;
};

// getBaseCertTemplate + x509.CreateCertificate of Go, PEM-encoded with the signee's key.
TValue makeCert(const std::string& cn, const std::string& sans, std::int64_t days, bool isCA,
                EVP_PKEY* key, const Signer& signer) {
  X509Ptr cert(X509_new());
  if (!cert) callFail("error creating certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) callFail("error creating certificate: no entropy");
  serial[0] &= 0x7F;
  Bignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer = signer.cert ? signer.cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(days), 0, nullptr);
  X509_set_pubkey(cert.get(), key);
  addExtension(cert.get(), issuer, NID_key_usage,
               isCA ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                    : "critical,digitalSignature,keyEncipherment");
  addExtension(cert.get(), issuer, NID_ext_key_usage, "serverAuth,clientAuth");
  addExtension(cert.get(), issuer, NID_basic_constraints,
               isCA ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (isCA) addExtension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (signer.cert && X509_get_ext_by_NID(signer.cert, NID_subject_key_identifier, -1) >= 0) {
    addExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  }
  if (!sans.empty()) addExtension(cert.get(), issuer, NID_subject_alt_name, sans);
  int id = EVP_PKEY_get_base_id(signer.key);
  const EVP_MD* md = id == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), signer.key, md) == 0)
    callFail("error creating certificate: signing failed");
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert.get());
  core::Object fields;
  fields.append("Cert", core::Value(bioText(bio.get())));
  fields.append("Key", core::Value(keyPem(key)));
  return TValue::typed(core::Value(std::move(fields)), GoType::Cert);
}

TValue genCA(Args a, Pkey key) {
  return makeCert(str(a[0]), "", fn::integer(a[1]), true, key.get(), {nullptr, key.get()});
}

TValue genSelfSigned(Args a, Pkey key) {
  std::string sans = subjectAltNames(a[1], a[2]);
  return makeCert(str(a[0]), sans, fn::integer(a[3]), false, key.get(), {nullptr, key.get()});
}

TValue genSigned(Args a, Pkey key) {
  const TValue& ca = a[4];
  X509Ptr caCert = parseCert(ca.v()["Cert"].asString());
  Pkey caKey = parseKey(ca.v()["Key"].asString());
  std::string sans = subjectAltNames(a[1], a[2]);
  return makeCert(str(a[0]), sans, fn::integer(a[3]), false, key.get(),
                  {caCert.get(), caKey.get()});
}

Pkey keyArg(const TValue& pem) {
  try {
    return parseKey(str(pem));
  } catch (const CallError& e) {
    callFail("parsing private key: " + e.message);
  }
}

std::string bcrypt(const std::string& password) {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) return "failed to encrypt string with bcrypt";
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2a$", 10, reinterpret_cast<const char*>(random), sizeof random, setting,
                        sizeof setting)) {
    return "failed to encrypt string with bcrypt: no salt";
  }
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, sizeof data);
  if (!hash || hash[0] == '*') return "failed to encrypt string with bcrypt";
  return hash;
}

}  // namespace

std::vector<FuncDef> certFuncs() {
  return {
      {"genPrivateKey", "S", 0,
       [](Args a, Runtime&) {
         const std::string& type = str(a[0]);
         if (!type.empty() && type != "rsa" && type != "dsa" && type != "ecdsa" &&
             type != "ed25519") {
           return fn::string("Unknown type " + type);
         }
         Pkey key = generateKey(type);
         if (!key) return fn::string("failed to generate private key");
         return fn::string(keyPem(key.get()));
       }},
      {"genCA", "SI", 0, [](Args a, Runtime&) { return genCA(a, rsaKey(2048)); }},
      {"genCAWithKey", "SIS", 0, [](Args a, Runtime&) { return genCA(a, keyArg(a[2])); }},
      {"genSelfSignedCert", "SVVI", 0,
       [](Args a, Runtime&) { return genSelfSigned(a, rsaKey(2048)); }},
      {"genSelfSignedCertWithKey", "SVVIS", 0,
       [](Args a, Runtime&) { return genSelfSigned(a, keyArg(a[4])); }},
      {"genSignedCert", "SVVIC", 0, [](Args a, Runtime&) { return genSigned(a, rsaKey(2048)); }},
      {"genSignedCertWithKey", "SVVICS", 0,
       [](Args a, Runtime&) { return genSigned(a, keyArg(a[5])); }},
      {"buildCustomCert", "SS", 0,
       [](Args a, Runtime&) {
         auto cert = core::base64Decode(str(a[0]));
         if (!cert) callFail("unable to decode base64 certificate");
         auto key = core::base64Decode(str(a[1]));
         if (!key) callFail("unable to decode base64 private key");
         parseCert(*cert);
         try {
           parseKey(*key);
         } catch (const CallError& e) {
           callFail("error parsing private key: " + e.message);
         }
         core::Object fields;
         fields.append("Cert", core::Value(*cert));
         fields.append("Key", core::Value(*key));
         return TValue::typed(core::Value(std::move(fields)), GoType::Cert);
       }},
      {"bcrypt", "S", 0, [](Args a, Runtime&) { return fn::string(bcrypt(str(a[0]))); }},
      {"htpasswd", "SS", 0,
       [](Args a, Runtime&) {
         if (str(a[0]).find(':') != std::string::npos) {
           return fn::string("invalid username: " + str(a[0]));
         }
         return fn::string(str(a[0]) + ":" + bcrypt(str(a[1])));
       }},
  };
}

}  // namespace driftless::gotemplate
