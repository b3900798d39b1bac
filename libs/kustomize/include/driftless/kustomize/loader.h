#pragma once

// The file loader of a kustomization tree (kustomize's api/internal/loader FileLoader): files are
// read relative to a root directory and, under LoadRestrictionsRootOnly, only from in or below
// it; child loaders for bases and components must not form cycles.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace driftless::kustomize {

enum class LoadRestrictions { RootOnly, None };

struct LoaderOptions {
  LoadRestrictions restrictions = LoadRestrictions::RootOnly;
  // Files larger than this are refused (kustomization trees are small; this bounds memory).
  std::size_t maxFileSize = 64U << 20U;
  // When set, nothing outside this directory is read, whatever the restrictions (Flux builds
  // with LoadRestrictionsNone on a file system fenced at the artifact's root, so overlays may
  // use `../base` but never leave the source).
  std::filesystem::path fence;
};

class Loader {
 public:
  // A loader rooted at `dir` (made absolute, symlinks resolved). Throws KustomizeError when it
  // is not a directory.
  Loader(const std::filesystem::path& dir, LoaderOptions options);

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }
  [[nodiscard]] std::string rootString() const { return root_.string(); }

  // Reads a file named relative to the root (or absolute). Throws KustomizeError.
  [[nodiscard]] std::string load(std::string_view path) const;
  // True when `path` names a readable regular file that the restrictions allow.
  [[nodiscard]] bool isLoadableFile(std::string_view path) const;
  // A loader for the directory `path` (relative to this root): a base or a component.
  [[nodiscard]] Loader child(std::string_view path) const;

 private:
  Loader(std::filesystem::path root, LoaderOptions options, std::shared_ptr<const Loader> parent);
  [[nodiscard]] std::filesystem::path restrict(std::string_view path) const;
  void errIfArgEqualOrHigher(const std::filesystem::path& candidate) const;
  void checkFence(const std::filesystem::path& resolved, const std::filesystem::path& shown) const;

  std::filesystem::path root_;
  LoaderOptions options_;
  std::shared_ptr<const Loader> parent_;
};

}  // namespace driftless::kustomize
