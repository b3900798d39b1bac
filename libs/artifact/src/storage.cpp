#include "driftless/artifact/storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "driftless/artifact/digest.h"
#include "driftless/core/error.h"
#include "driftless/core/text.h"
#include "driftless/core/time.h"
#include "posix_handles.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;

void checkSegment(std::string_view what, std::string_view s) {
  if (s.empty() || s == "." || s == ".." || s.find('/') != std::string_view::npos ||
      s.find('\0') != std::string_view::npos) {
    throw core::Error("invalid artifact " + std::string(what) + " \"" + std::string(s) + "\"");
  }
}

std::string errnoText() {
  return std::strerror(errno);
}

// Removes a temp file unless dismissed.
class TempFile {
 public:
  explicit TempFile(fs::path path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const fs::path& path() const noexcept { return path_; }
  void dismiss() noexcept { path_.clear(); }

 private:
  fs::path path_;
};

// mkstemp beside target: "<target>.<random>" (collected by GC if a crash leaves it behind).
TempFile makeTemp(const fs::path& target) {
  std::string tmpl = target.string() + ".XXXXXX";
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd.valid())
    throw core::Error("cannot create a temp file beside " + target.string() + ": " + errnoText());
  return TempFile(tmpl);
}

struct StoredFile {
  fs::file_time_type mtime;
  std::string path;
};

// Every regular file under dir but lock files (symlinks and directories are not artifacts).
std::vector<StoredFile> listArtifactFiles(const fs::path& dir) {
  std::vector<StoredFile> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code statEc;
    auto status = it->symlink_status(statEc);
    if (statEc || !fs::is_regular_file(status) || it->path().extension() == ".lock") continue;
    auto mtime = it->last_write_time(statEc);
    if (statEc) throw core::Error("cannot stat " + it->path().string() + ": " + statEc.message());
    files.push_back({mtime, it->path().string()});
  }
  if (ec) throw core::Error("cannot walk " + dir.string() + ": " + ec.message());
  return files;
}

}  // namespace

Storage::Storage(StorageOptions options) : options_(std::move(options)) {
  Digester check(options_.digestAlgorithm);  // throws for unsupported algorithms
  std::error_code ec;
  fs::create_directories(options_.root, ec);
  if (ec || !fs::is_directory(options_.root)) {
    throw core::Error("invalid storage path " + options_.root.string() +
                      (ec ? ": " + ec.message() : ""));
  }
}

api::meta::Artifact Storage::newArtifact(std::string_view kind, std::string_view ns,
                                         std::string_view name, std::string_view revision,
                                         std::string_view fileName) const {
  checkSegment("kind", kind);
  checkSegment("namespace", ns);
  checkSegment("name", name);
  checkSegment("file name", fileName);
  api::meta::Artifact a;
  a.path = core::asciiLower(kind) + "/" + std::string(ns) + "/" + std::string(name) + "/" +
           std::string(fileName);
  a.url = urlFor(a.path);
  a.revision = std::string(revision);
  return a;
}

std::string Storage::urlFor(std::string_view path) const {
  while (path.starts_with('/'))
    path.remove_prefix(1);
  const std::string& adv = options_.advertisedAddress;
  bool hasScheme = adv.starts_with("http://") || adv.starts_with("https://");
  return (hasScheme ? "" : "http://") + adv + "/" + std::string(path);
}

fs::path Storage::localPath(const api::meta::Artifact& artifact) const {
  if (artifact.path.empty()) return {};
  std::vector<std::string> parts;
  std::string_view rest = artifact.path;
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  fs::path out = options_.root;
  for (const auto& p : parts)
    out /= p;
  return out;
}

void Storage::writeAtomically(api::meta::Artifact& artifact,
                              const std::function<void(const fs::path&)>& write) {
  fs::path target = localPath(artifact);
  if (target.empty() || target == options_.root) throw core::Error("artifact has no path");
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw core::Error("cannot create " + target.parent_path().string() + ": " + ec.message());
  TempFile tmp = makeTemp(target);
  write(tmp.path());
  if (::chmod(tmp.path().c_str(), 0600) != 0) {
    throw core::Error("cannot chmod " + tmp.path().string() + ": " + errnoText());
  }
  std::string digest = computeFileDigest(options_.digestAlgorithm, tmp.path());
  auto size = static_cast<std::int64_t>(fs::file_size(tmp.path(), ec));
  if (ec) throw core::Error("cannot stat " + tmp.path().string() + ": " + ec.message());
  if (::rename(tmp.path().c_str(), target.c_str()) != 0) {
    throw core::Error("cannot rename " + tmp.path().string() + " to " + target.string() + ": " +
                      errnoText());
  }
  tmp.dismiss();
  artifact.digest = std::move(digest);
  artifact.size = size;
  artifact.lastUpdateTime = core::formatRfc3339(std::chrono::system_clock::now());
}

void Storage::archive(api::meta::Artifact& artifact, const fs::path& dir,
                      const ArchiveFilter& filter) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::Error("invalid dir path: " + dir.string());
  writeAtomically(artifact, [&](const fs::path& tmp) { writeTarGz(dir, tmp, filter); });
}

void Storage::copyFile(api::meta::Artifact& artifact, const fs::path& file) {
  writeAtomically(artifact, [&](const fs::path& tmp) {
    std::error_code ec;
    fs::copy_file(file, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw core::Error("cannot copy " + file.string() + ": " + ec.message());
  });
}

void Storage::writeFile(api::meta::Artifact& artifact, std::string_view bytes) {
  writeAtomically(artifact, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw core::Error("cannot write " + tmp.string());
  });
}

std::string Storage::symlink(const api::meta::Artifact& artifact, std::string_view linkName) {
  checkSegment("link name", linkName);
  fs::path target = localPath(artifact);
  fs::path link = target.parent_path() / std::string(linkName);
  fs::path tmp = link;
  tmp += ".tmplink";
  ::unlink(tmp.c_str());
  if (::symlink(target.filename().c_str(), tmp.c_str()) != 0 ||
      ::rename(tmp.c_str(), link.c_str()) != 0) {
    std::string why = errnoText();
    ::unlink(tmp.c_str());
    throw core::Error("cannot link " + link.string() + ": " + why);
  }
  std::string path = artifact.path.substr(0, artifact.path.rfind('/') + 1) + std::string(linkName);
  return urlFor(path);
}

bool Storage::exists(const api::meta::Artifact& artifact) const {
  fs::path p = localPath(artifact);
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(fs::symlink_status(p, ec));
}

void Storage::verify(const api::meta::Artifact& artifact) const {
  if (artifact.digest.empty()) throw core::Error("artifact has no digest");
  ParsedDigest want = parseDigest(artifact.digest);
  std::string got = computeFileDigest(want.algorithm, localPath(artifact));
  if (got != want.algorithm + ":" + want.hex) {
    throw core::Error("computed digest " + got + " doesn't match '" + artifact.digest + "'");
  }
}

std::vector<std::string> Storage::garbageCollect(const api::meta::Artifact& current) {
  fs::path currentPath = localPath(current);
  std::vector<StoredFile> files = listArtifactFiles(currentPath.parent_path());
  std::sort(files.begin(), files.end(), [](const StoredFile& a, const StoredFile& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });
  auto now = fs::file_time_type::clock::now();
  std::set<std::string> garbage;
  for (const auto& f : files) {
    if (f.path != currentPath.string() && now - f.mtime > options_.retentionTtl)
      garbage.insert(f.path);
  }
  std::size_t remaining = files.size() - garbage.size();
  auto keep = static_cast<std::size_t>(std::max(options_.retentionRecords, 1));
  for (const auto& f : files) {  // oldest first
    if (remaining <= keep) break;
    if (f.path == currentPath.string() || garbage.count(f.path) != 0) continue;
    garbage.insert(f.path);
    --remaining;
  }
  std::vector<std::string> deleted;
  std::string failures;
  for (const auto& path : garbage) {
    if (::unlink(path.c_str()) == 0) {
      deleted.push_back(path);
    } else {
      failures += (failures.empty() ? "" : ", ") + path + ": " + errnoText();
    }
    ::unlink((path + ".lock").c_str());
  }
  if (!failures.empty()) throw core::Error("garbage collection failed: " + failures);
  return deleted;
}

void Storage::remove(const api::meta::Artifact& artifact) {
  fs::path file = localPath(artifact);
  if (file.empty()) return;
  std::error_code ec;
  fs::remove(file, ec);
  if (ec) throw core::Error("cannot remove " + artifact.path + ": " + ec.message());
}

void Storage::removeAll(std::string_view kind, std::string_view ns, std::string_view name) {
  checkSegment("kind", kind);
  checkSegment("namespace", ns);
  checkSegment("name", name);
  std::error_code ec;
  fs::remove_all(options_.root / core::asciiLower(kind) / std::string(ns) / std::string(name), ec);
  if (ec)
    throw core::Error("cannot remove the artifacts of " + std::string(name) + ": " + ec.message());
}

Storage::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

Storage::Lock Storage::lock(const api::meta::Artifact& artifact) {
  fs::path file = localPath(artifact);
  if (file.empty()) throw core::Error("artifact has no path");
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  file += ".lock";
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) throw core::Error("cannot open " + file.string() + ": " + errnoText());
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw core::Error("cannot lock " + file.string() + ": " + errnoText());
  }
  return Lock(fd.release());
}

}  // namespace driftless::artifact
