// PGP verification of commit and tag signatures with GPGME: every call imports the given key
// rings into a fresh, private GNUPGHOME (removed afterwards), so nothing is shared between
// verifications or with the host's keyrings.

#include <gpgme.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "driftless/core/temp_dir.h"
#include "driftless/git/checkout.h"

namespace driftless::git {

namespace {

constexpr const char* kReason = "InvalidCommitSignature";

struct CtxDeleter {
  void operator()(gpgme_ctx_t ctx) const noexcept { gpgme_release(ctx); }
};
using CtxPtr = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, CtxDeleter>;
struct DataDeleter {
  void operator()(gpgme_data_t d) const noexcept { gpgme_data_release(d); }
};
using DataPtr = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;
struct KeyDeleter {
  void operator()(gpgme_key_t k) const noexcept { gpgme_key_unref(k); }
};
using KeyPtr = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Flux's signature.GetSignatureType.
std::string signatureType(const std::string& sig) {
  if (sig.starts_with("-----BEGIN PGP SIGNATURE-----")) return "openpgp";
  if (sig.starts_with("-----BEGIN SSH SIGNATURE-----")) return "ssh";
  if (sig.starts_with("-----BEGIN SIGNED MESSAGE-----")) return "x509";
  return "unknown";
}

DataPtr dataFrom(const std::string& s) {
  gpgme_data_t d = nullptr;
  if (gpgme_data_new_from_mem(&d, s.data(), s.size(), 0) != 0) {
    throw GitError(kReason, "unable to allocate GPGME data");
  }
  return DataPtr(d);
}

CtxPtr newContext(const std::string& home) {
  static std::once_flag once;
  std::call_once(once, [] { gpgme_check_version(nullptr); });
  gpgme_ctx_t ctx = nullptr;
  if (gpgme_new(&ctx) != 0) throw GitError(kReason, "unable to create a GPGME context");
  CtxPtr owned(ctx);
  if (gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP) != 0 ||
      gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()) != 0) {
    throw GitError(kReason, "unable to configure GnuPG");
  }
  return owned;
}

// Imports every key ring; the error of the first one that held no key, if none did.
std::string importKeyRings(gpgme_ctx_t ctx, const std::vector<std::string>& keyRings,
                           int& imported) {
  std::string firstError;
  for (const auto& ring : keyRings) {
    const DataPtr data = dataFrom(ring);
    const gpgme_error_t err = gpgme_op_import(ctx, data.get());
    const gpgme_import_result_t result = err == 0 ? gpgme_op_import_result(ctx) : nullptr;
    if (result != nullptr && result->considered > 0 && result->not_imported < result->considered) {
      ++imported;
    } else if (firstError.empty()) {
      firstError = "unable to read armored key ring: " +
                   std::string(err != 0 ? gpgme_strerror(err)
                                        : "openpgp: invalid argument: no "
                                          "armored data found");
    }
  }
  return firstError;
}

}  // namespace

std::string verifyPgp(const std::string& encoded, const std::string& signature,
                      const std::vector<std::string>& armoredKeys) {
  const std::string sig = trim(signature);
  if (sig.empty()) throw GitError(kReason, "unable to verify payload: signature is empty");
  if (encoded.empty()) throw GitError(kReason, "unable to verify payload: payload is empty");
  if (signatureType(sig) != "openpgp") {
    throw GitError(kReason, "unable to verify openPGP signature, detected signature format: " +
                                signatureType(sig) + ": signature format mismatch");
  }
  // A private GNUPGHOME, removed with everything in it.
  std::optional<core::TempDir> home;
  try {
    home.emplace("driftless-gpg");
  } catch (const std::exception&) {
    throw GitError(kReason, "unable to create a temporary GnuPG home");
  }
  const CtxPtr ctx = newContext(home->path().string());
  int imported = 0;
  const std::string readError = importKeyRings(ctx.get(), armoredKeys, imported);
  if (imported == 0 && !readError.empty()) throw GitError(kReason, readError);
  const DataPtr sigData = dataFrom(sig);
  const DataPtr payload = dataFrom(encoded);
  const std::string noMatch =
      "unable to verify payload with any of the given key rings: no matching key";
  if (imported == 0 || gpgme_op_verify(ctx.get(), sigData.get(), payload.get(), nullptr) != 0) {
    throw GitError(kReason, noMatch);
  }
  const gpgme_verify_result_t result = gpgme_op_verify_result(ctx.get());
  for (gpgme_signature_t s = result ? result->signatures : nullptr; s != nullptr; s = s->next) {
    if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || s->fpr == nullptr) continue;
    gpgme_key_t rawKey = nullptr;
    if (gpgme_get_key(ctx.get(), s->fpr, &rawKey, 0) != 0) continue;
    const KeyPtr key(rawKey);
    if (key->subkeys != nullptr && key->subkeys->keyid != nullptr) return key->subkeys->keyid;
  }
  throw GitError(kReason, noMatch);
}

}  // namespace driftless::git
