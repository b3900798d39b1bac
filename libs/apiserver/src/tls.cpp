#include "driftless/apiserver/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "driftless/core/error.h"

namespace driftless::apiserver {

namespace {

namespace fs = std::filesystem;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

[[noreturn]] void throwOpenSsl(const std::string& what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  throw core::Error(what + ": " + buf);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& path, const std::string& data, bool secret) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw core::Error("cannot write " + tmp.string());
    out << data;
    if (!out.flush()) throw core::Error("cannot write " + tmp.string());
  }
  if (secret) ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path);
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throwOpenSsl("encoding private key");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throwOpenSsl("encoding certificate");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

PkeyPtr keyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throwOpenSsl("reading private key");
  return key;
}

X509Ptr certFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throwOpenSsl("reading certificate");
  return cert;
}

PkeyPtr generateKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throwOpenSsl("generating an EC key");
  return key;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throwOpenSsl("making certificate extension " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) throwOpenSsl("adding certificate extension");
}

X509Ptr makeCert(EVP_PKEY* key, const std::string& commonName, X509* issuer, EVP_PKEY* issuerKey,
                 bool isCa, const std::string& altNames) {
  X509Ptr cert(X509_new());
  if (!cert) throwOpenSsl("allocating certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (isCa) {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), signer, NID_key_usage,
                 "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), signer, NID_subject_alt_name, altNames);
  }
  addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), issuerKey != nullptr ? issuerKey : key, EVP_sha256()) == 0) {
    throwOpenSsl("signing certificate");
  }
  return cert;
}

bool isIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string randomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throwOpenSsl("generating token");
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

ServingMaterial ensureServingMaterial(const fs::path& dir,
                                      const std::vector<std::string>& extraHosts) {
  fs::create_directories(dir);
  const fs::path caCert = dir / "ca.crt";
  const fs::path caKey = dir / "ca.key";
  if (!fs::exists(caCert) || !fs::exists(caKey)) {
    PkeyPtr key = generateKey();
    X509Ptr cert = makeCert(key.get(), "driftless-ca", nullptr, nullptr, true, "");
    writeFile(caKey, toPem(key.get()), true);
    writeFile(caCert, toPem(cert.get()), false);
  }
  ServingMaterial m;
  m.caCertPem = readFile(caCert);
  m.certFile = dir / "server.crt";
  m.keyFile = dir / "server.key";
  std::string alt = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& host : extraHosts) {
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" ||
        host == "localhost") {
      continue;
    }
    alt += (isIpAddress(host) ? ",IP:" : ",DNS:") + host;
  }
  const fs::path altFile = dir / "server.san";
  bool stale = !fs::exists(m.certFile) || !fs::exists(m.keyFile) || !fs::exists(altFile) ||
               readFile(altFile) != alt;
  if (stale) {
    PkeyPtr caPkey = keyFromPem(readFile(caKey));
    X509Ptr ca = certFromPem(m.caCertPem);
    PkeyPtr key = generateKey();
    X509Ptr cert = makeCert(key.get(), "driftless-apiserver", ca.get(), caPkey.get(), false, alt);
    writeFile(m.keyFile, toPem(key.get()), true);
    writeFile(m.certFile, toPem(cert.get()), false);
    writeFile(altFile, alt, false);
  }
  const fs::path tokenFile = dir / "token";
  if (!fs::exists(tokenFile)) writeFile(tokenFile, randomToken(), true);
  m.token = readFile(tokenFile);
  while (!m.token.empty() && (m.token.back() == '\n' || m.token.back() == '\r'))
    m.token.pop_back();
  return m;
}

SslCtxPtr makeServerContext(const ServingMaterial& material) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throwOpenSsl("creating TLS context");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_AUTO_RETRY);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), material.certFile.c_str()) != 1) {
    throwOpenSsl("loading " + material.certFile.string());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), material.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    throwOpenSsl("loading " + material.keyFile.string());
  }
  // HTTP/1.1 only (ALPN); every client here speaks it.
  SSL_CTX_set_alpn_select_cb(
      ctx.get(),
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
         unsigned int inlen, void*) -> int {
        static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) !=
            OPENSSL_NPN_NEGOTIATED) {
          return SSL_TLSEXT_ERR_NOACK;
        }
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
  return ctx;
}

}  // namespace driftless::apiserver
