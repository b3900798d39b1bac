#pragma once

// SOPS-encrypted Kubernetes objects as kustomize-controller decrypts them (fluxcd
// kustomize-controller internal/decryptor, getsops/sops aes and tree walk): the data key is
// recovered from the `sops.age` entries with the identities of the Kustomization's decryption
// Secret, then every leaf the file's rules say is encrypted (`ENC[AES256_GCM,data:...,iv:...,
// tag:...,type:...]`, the key path `a:b:` as additional data) is decrypted in place and the
// `sops` metadata removed. Like Flux, the MAC is not checked (kustomize may have changed the
// plaintext parts). Only age master keys are supported.

#include "driftless/core/error.h"
#include "driftless/core/value.h"
#include "driftless/sops/age.h"

namespace driftless::sops {

class SopsError : public core::Error {
 public:
  using core::Error::Error;
};

// True when the object has a top-level `sops` field with a `mac` (a SOPS document).
bool isEncrypted(const core::Value& object);

// Decrypts `object` in place (see above). Throws SopsError with SOPS's messages ("cannot get
// sops data key: ...", "Could not decrypt value: ...").
void decrypt(core::Value& object, const AgeIdentities& identities);

}  // namespace driftless::sops
