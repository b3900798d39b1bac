#pragma once

// Git checkout for the source-controller's GitRepository, with the semantics of Flux's
// fluxcd/pkg/git (gogit client): which refs are fetched for each reference kind, how deep,
// the revision strings (`main@sha1:<hex>`), the "last observed commit" no-op and the
// messages of its errors. Implemented over libgit2.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/error.h"

namespace driftless::git {

// From the GitRepository's secretRef (keys in comments).
struct Auth {
  std::string username, password;                      // username, password (HTTP(S) basic)
  std::string bearerToken;                             // bearerToken (Authorization: Bearer)
  std::string caPem, certPem, keyPem;                  // ca.crt (or caFile), tls.crt, tls.key
  std::string sshIdentity, sshPassphrase, knownHosts;  // identity, password, known_hosts
};

// From the proxySecretRef: address is `http://host:port` (libgit2 speaks HTTP(S) proxies only).
struct Proxy {
  std::string address, username, password;
};

// spec.ref; precedence commit > name > semver > tag > branch, default branch `master`.
struct Reference {
  std::string branch, tag, semver, name, commit;
};

struct CheckoutOptions {
  Reference ref;
  Auth auth;
  std::optional<Proxy> proxy;
  bool recurseSubmodules = false;
  std::vector<std::string> sparseCheckout;  // directories; a leading `./` is ignored
  std::chrono::seconds timeout{60};         // for the whole checkout, every network step included
  // The current artifact's revision (`main@sha1:<hex>`, legacy `main/<hex>`) or a bare hex
  // commit. For branch, tag and name refs, when the remote ref still resolves to it nothing is
  // cloned and the result is `skipped`. A full revision must match exactly, as in Flux (so a
  // changed branch name at the same commit is not skipped); a bare hex only has to match the hash.
  std::string lastObservedCommit;
};

struct Signature {
  std::string name, email, when;  // when: RFC 3339 with the signer's offset
};

struct Commit {
  std::string hash;       // hex
  std::string reference;  // e.g. refs/heads/main, refs/tags/v1.0.0; empty for a bare commit
  // Set for `ref.name`: revision() then keeps the whole reference, as Flux's AbsoluteReference.
  bool absoluteReference = false;
  Signature author, committer;
  std::string message;
  std::string encoded;    // the raw commit object without the signature (what was signed)
  std::string signature;  // armored PGP (or SSH) signature, if any

  // Flux's revision: "main@sha1:<hex>", "v1.0.0@sha1:<hex>", "feat/x@sha1:<hex>" (Commit.String:
  // the reference without its first two components), "refs/heads/main@sha1:<hex>" when
  // absoluteReference, "sha1:<hex>" without a reference. A 64-hex hash gives "sha256:".
  [[nodiscard]] std::string revision() const;
  [[nodiscard]] std::string subject() const;  // first line of message
};

// An annotated tag. Tag.String() in Flux is `<name>@<hash>`.
struct Tag {
  std::string name, hash, message, encoded, signature;
  Signature tagger;
};

struct CheckoutResult {
  Commit commit;           // when skipped, only hash, reference and absoluteReference are set
  bool skipped = false;    // remote still at lastObservedCommit: dir was not touched
  std::optional<Tag> tag;  // annotated tag when the ref is a tag/semver (for verify Tag mode)
};

// Reasons as Flux puts them on FetchFailed. What checkout() throws, as Flux's source-controller
// classifies them:
//  - "AuthenticationFailed": the auth options are unusable before any network step (e.g. ssh
//    without `identity` or `known_hosts`, an undecodable CA); message as git.NewAuthOptions
//    ("invalid 'ssh' auth option: 'known_hosts' is required"); Flux prefixes it with
//    "failed to configure authentication options: ".
//  - "URLInvalid": the URL does not parse or has an unsupported scheme.
//  - "EmptyGitRepository": a branch checkout of a repository without refs ("git repository is
//    empty").
//  - "GitOperationFailed": everything else, including credentials the server rejected (Flux
//    reports those as GitOperationFailed too). Messages are the gogit client's, e.g.
//    `unable to clone 'URL': couldn't find remote ref "refs/heads/nope"`; Flux prefixes them with
//    "failed to checkout and determine revision: ".
// Messages never contain secrets (URL credentials are redacted).
class GitError : public core::Error {
 public:
  GitError(std::string reason, const std::string& msg);
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

// Clones url (http, https, ssh, and git:// as a driftless extension for local use) into dir
// (created; must be empty or absent) at options.ref. Shallow (depth 1) for branch, tag, semver
// and name refs; a commit ref fetches the whole history of its branch (or of every branch).
CheckoutResult checkout(const std::string& url, const std::filesystem::path& dir,
                        const CheckoutOptions& options);

// Verifies a detached armored PGP signature over encoded with each armored key ring in turn
// (the *.asc values of the verification secret). Returns the primary key ID of the signer (16
// upper-case hex digits, as Flux's KeyIdString). Throws GitError with reason
// "InvalidCommitSignature" and Flux's message ("unable to verify payload with any of the given
// key rings: no matching key", "unable to verify payload: signature is empty", ...).
std::string verifyPgp(const std::string& encoded, const std::string& signature,
                      const std::vector<std::string>& armoredKeys);

}  // namespace driftless::git
