#pragma once

// The source-controller's artifact storage (fluxcd/pkg artifact/storage): files under
// <root>/<lowercase kind>/<namespace>/<name>/, written atomically, addressed by URL, digested,
// locked per artifact and garbage collected.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/api/meta/v1/types.h"
#include "driftless/artifact/archive.h"

namespace driftless::artifact {

struct StorageOptions {
  std::filesystem::path root;              // --storage-path
  std::string advertisedAddress;           // --storage-adv-addr, e.g.
                                           // "source-controller.flux-system.svc.cluster.local."
  std::string digestAlgorithm = "sha256";  // --artifact-digest-algo
  std::chrono::seconds retentionTtl{60};   // --artifact-retention-ttl
  int retentionRecords = 2;                // --artifact-retention-records
};

class Storage {
 public:
  // Creates root when missing; throws core::Error for an unsupported digest algorithm or an
  // unusable root.
  explicit Storage(StorageOptions options);

  [[nodiscard]] const StorageOptions& options() const noexcept { return options_; }

  // path = "<lowercase kind>/<namespace>/<name>/<fileName>", url = "http://<adv>/<path>" (or
  // "<adv>/<path>" when the address starts with http:// or https://); revision as given. Throws
  // core::Error when a segment is empty, ".", ".." or contains '/'.
  [[nodiscard]] api::meta::Artifact newArtifact(std::string_view kind, std::string_view ns,
                                                std::string_view name, std::string_view revision,
                                                std::string_view fileName) const;
  // The URL of a path under the storage root, as newArtifact computes it.
  [[nodiscard]] std::string urlFor(std::string_view path) const;

  // Writes the tarball of dir (see writeTarGz) to a temp file beside the artifact, then renames
  // it into place; sets digest (<algo>:<hex> of the file), size and lastUpdateTime. Throws
  // core::Error (and leaves no temp file) on failure.
  void archive(api::meta::Artifact& artifact, const std::filesystem::path& dir,
               const ArchiveFilter& filter = {});
  // Copies file into place atomically, e.g. a Helm chart; sets digest, size and lastUpdateTime.
  void copyFile(api::meta::Artifact& artifact, const std::filesystem::path& file);
  // Writes bytes into place atomically, e.g. a Helm repository index; sets digest, size and
  // lastUpdateTime.
  void writeFile(api::meta::Artifact& artifact, std::string_view bytes);
  // Points <artifact dir>/<linkName> at the artifact's file (atomically replacing an older
  // link) and returns the link's URL (HelmRepository's index.yaml).
  std::string symlink(const api::meta::Artifact& artifact, std::string_view linkName);

  // True when the artifact's file is a regular file in storage.
  [[nodiscard]] bool exists(const api::meta::Artifact& artifact) const;
  // Throws core::Error when the file is missing or its digest differs from artifact.digest.
  void verify(const api::meta::Artifact& artifact) const;
  // root joined with artifact.path, ".." segments clamped at root; empty for an empty path.
  [[nodiscard]] std::filesystem::path localPath(const api::meta::Artifact& artifact) const;

  // Garbage collection of the artifact's directory, after each successful write: deletes every
  // other file older than retentionTtl, then the oldest until at most retentionRecords files
  // remain (the current artifact is always kept and counts as one), with their .lock files.
  // Returns the deleted paths. Throws core::Error when the directory cannot be listed.
  std::vector<std::string> garbageCollect(const api::meta::Artifact& current);
  // Removes the artifact's file (e.g. after a digest mismatch); absent files are fine.
  void remove(const api::meta::Artifact& artifact);
  // Removes <root>/<kind>/<namespace>/<name> (object deletion).
  void removeAll(std::string_view kind, std::string_view ns, std::string_view name);

  // An exclusive flock(2) on "<local path>.lock", released on destruction.
  class Lock {
   public:
    explicit Lock(int fd) noexcept : fd_(fd) {}
    ~Lock();
    Lock(Lock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Lock& operator=(Lock&&) = delete;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    int fd_;
  };
  // Blocks until the artifact's lock is held. Throws core::Error when the lock file cannot be
  // created.
  [[nodiscard]] Lock lock(const api::meta::Artifact& artifact);

 private:
  // Runs write(tempPath) on a fresh temp file beside the artifact, then digests it and renames it
  // into place.
  void writeAtomically(api::meta::Artifact& artifact,
                       const std::function<void(const std::filesystem::path&)>& write);

  StorageOptions options_;
};

}  // namespace driftless::artifact
