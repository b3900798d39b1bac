#include "objects.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace driftless::git::detail {

namespace {

// RFC 3339 in the signer's offset, `Z` for a zero offset (Go's time.RFC3339).
std::string formatWhen(const git_time& when) {
  const std::time_t local = static_cast<std::time_t>(when.time) + when.offset * 60;
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (when.offset == 0) return out + "Z";
  const int off = std::abs(when.offset);
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", when.offset < 0 ? '-' : '+', off / 60, off % 60);
  return out + buf;
}

Signature toSignature(const git_signature* sig) {
  if (sig == nullptr) return {};
  return Signature{sig->name ? sig->name : "", sig->email ? sig->email : "", formatWhen(sig->when)};
}

std::string readRaw(git_repository* repo, const git_oid& oid) {
  git_odb* rawOdb = nullptr;
  if (git_repository_odb(&rawOdb, repo) != 0) return {};
  const OdbPtr odb(rawOdb);
  git_odb_object* rawObj = nullptr;
  if (git_odb_read(&rawObj, odb.get(), &oid) != 0) return {};
  const OdbObjectPtr obj(rawObj);
  return std::string(static_cast<const char*>(git_odb_object_data(obj.get())),
                     git_odb_object_size(obj.get()));
}

}  // namespace

Commit readCommit(git_repository* repo, const git_oid& oid) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &oid) != 0) {
    throw GitError("GitOperationFailed",
                   "unable to resolve commit object for '" + oidHex(oid) + "': object not found");
  }
  const CommitPtr commit(raw);
  Commit out;
  out.hash = oidHex(oid);
  out.author = toSignature(git_commit_author(commit.get()));
  out.committer = toSignature(git_commit_committer(commit.get()));
  out.message = git_commit_message_raw(commit.get()) ? git_commit_message_raw(commit.get()) : "";
  Buf signature;
  Buf signedData;
  if (git_commit_extract_signature(signature.get(), signedData.get(), repo,
                                   const_cast<git_oid*>(&oid), nullptr) == 0) {
    out.signature = signature.str();
    out.encoded = signedData.str();
  } else {
    out.encoded = readRaw(repo, oid);
  }
  return out;
}

std::pair<std::string, std::string> splitTagSignature(const std::string& raw) {
  std::size_t start = std::string::npos;
  for (const char* marker : {"-----BEGIN PGP SIGNATURE-----", "-----BEGIN SSH SIGNATURE-----"}) {
    for (auto pos = raw.rfind(marker); pos != std::string::npos;
         pos = pos == 0 ? std::string::npos : raw.rfind(marker, pos - 1)) {
      if (pos == 0 || raw[pos - 1] == '\n') {
        if (start == std::string::npos || pos < start) start = pos;
        break;
      }
    }
  }
  if (start == std::string::npos) return {raw, ""};
  return {raw.substr(0, start), raw.substr(start)};
}

std::optional<Tag> readTag(git_repository* repo, const git_oid& oid, const std::string& name) {
  git_tag* raw = nullptr;
  if (git_tag_lookup(&raw, repo, &oid) != 0) return std::nullopt;
  const TagPtr tag(raw);
  Tag out;
  out.name = name;
  out.hash = oidHex(oid);
  out.tagger = toSignature(git_tag_tagger(tag.get()));
  auto [encoded, signature] = splitTagSignature(readRaw(repo, oid));
  out.encoded = std::move(encoded);
  out.signature = std::move(signature);
  const auto body = out.encoded.find("\n\n");
  out.message = body == std::string::npos ? "" : out.encoded.substr(body + 2);
  return out;
}

}  // namespace driftless::git::detail

namespace driftless::git {

GitError::GitError(std::string reason, const std::string& msg)
    : core::Error(msg), reason_(std::move(reason)) {}

namespace {
std::string digest(const std::string& hash) {
  if (hash.empty()) return "";
  return (hash.size() == 64 ? "sha256:" : "sha1:") + hash;
}
}  // namespace

std::string Commit::revision() const {
  if (reference.empty()) return digest(hash);
  if (absoluteReference) return reference + "@" + digest(hash);
  // Go's strings.SplitAfterN(ref, "/", 3): the part after the second slash.
  const auto first = reference.find('/');
  const auto second = first == std::string::npos ? first : reference.find('/', first + 1);
  if (second == std::string::npos) return digest(hash);
  return reference.substr(second + 1) + "@" + digest(hash);
}

std::string Commit::subject() const {
  return message.substr(0, message.find('\n'));
}

}  // namespace driftless::git
