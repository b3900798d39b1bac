#include "driftless/kustomize/loader.h"

#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace fs = std::filesystem;

namespace {

// filepath.Clean of an absolute path, then symlinks resolved (filesys.CleanedAbs).
fs::path cleanedAbs(const fs::path& p, std::error_code& ec) {
  fs::path abs = p.is_absolute() ? p : fs::absolute(p, ec);
  if (ec) return {};
  return fs::canonical(abs.lexically_normal(), ec);
}

bool hasPrefix(const fs::path& p, const fs::path& prefix) {
  auto pi = p.begin();
  for (auto it = prefix.begin(); it != prefix.end(); ++it, ++pi) {
    if (it->empty()) continue;  // a trailing separator
    if (pi == p.end() || *pi != *it) return false;
  }
  return true;
}

std::string lstatError(const fs::path& p) {
  return "evalsymlink failure on '" + p.string() + "' : lstat " + p.string() +
         ": no such file or directory";
}

}  // namespace

Loader::Loader(const fs::path& dir, LoaderOptions options) : options_(std::move(options)) {
  std::error_code ec;
  if (!options_.fence.empty()) {
    fs::path fence = cleanedAbs(options_.fence, ec);
    if (ec) throw KustomizeError("not a valid directory: " + lstatError(options_.fence));
    options_.fence = fence;
  }
  fs::path abs = dir.is_absolute() ? dir : fs::absolute(dir, ec);
  root_ = cleanedAbs(abs, ec);
  if (ec) throw KustomizeError("not a valid directory: " + lstatError(abs.lexically_normal()));
  if (!fs::is_directory(root_, ec)) {
    throw KustomizeError("'" + dir.string() + "': file is not directory");
  }
  checkFence(root_, abs.lexically_normal());
}

void Loader::checkFence(const fs::path& resolved, const fs::path& shown) const {
  if (!options_.fence.empty() && !hasPrefix(resolved, options_.fence)) {
    throw KustomizeError("path '" + shown.string() + "' is not in or below '" +
                         options_.fence.string() + "'");
  }
}

Loader::Loader(fs::path root, LoaderOptions options, std::shared_ptr<const Loader> parent)
    : root_(std::move(root)), options_(options), parent_(std::move(parent)) {}

fs::path Loader::restrict(std::string_view path) const {
  fs::path p(path);
  if (!p.is_absolute()) p = root_ / p;
  p = p.lexically_normal();
  std::error_code ec;
  fs::path resolved = cleanedAbs(p, ec);
  if (ec) {
    throw KustomizeError("evalsymlink failure on '" + p.string() + "' : lstat " + p.string() +
                         ": no such file or directory");
  }
  if (fs::is_directory(resolved, ec)) {
    throw KustomizeError("'" + p.string() + "' must resolve to a file");
  }
  if (options_.restrictions == LoadRestrictions::RootOnly &&
      !hasPrefix(resolved.parent_path(), root_)) {
    throw KustomizeError("security; file '" + p.string() + "' is not in or below '" +
                         root_.string() + "'");
  }
  checkFence(resolved, p);
  return resolved;
}

std::string Loader::load(std::string_view path) const {
  fs::path file = restrict(path);
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) throw KustomizeError("open " + file.string() + ": " + ec.message());
  if (size > options_.maxFileSize) {
    throw KustomizeError("file '" + file.string() + "' is larger than " +
                         std::to_string(options_.maxFileSize) + " bytes");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw KustomizeError("open " + file.string() + ": permission denied");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool Loader::isLoadableFile(std::string_view path) const {
  try {
    fs::path file = restrict(path);
    std::error_code ec;
    return fs::is_regular_file(file, ec);
  } catch (const KustomizeError&) {
    return false;
  }
}

void Loader::errIfArgEqualOrHigher(const fs::path& candidate) const {
  if (hasPrefix(root_, candidate)) {
    throw KustomizeError("cycle detected: candidate root '" + candidate.string() +
                         "' contains visited root '" + root_.string() + "'");
  }
  if (parent_) parent_->errIfArgEqualOrHigher(candidate);
}

Loader Loader::child(std::string_view path) const {
  if (path.empty()) throw KustomizeError("new root cannot be empty");
  fs::path p(path);
  if (p.is_absolute()) {
    throw KustomizeError("new root '" + std::string(path) + "' cannot be absolute");
  }
  fs::path joined = (root_ / p).lexically_normal();
  std::error_code ec;
  fs::path dir = cleanedAbs(joined, ec);
  if (ec) {
    throw KustomizeError("must build at directory: not a valid directory: " + lstatError(joined));
  }
  if (!fs::is_directory(dir, ec)) {
    throw KustomizeError("must build at directory: '" + joined.string() +
                         "': file is not directory");
  }
  checkFence(dir, joined);
  errIfArgEqualOrHigher(dir);
  return Loader(dir, options_, std::make_shared<const Loader>(*this));
}

}  // namespace driftless::kustomize
