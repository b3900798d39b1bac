#pragma once

// libgit2 plumbing shared by the sources of libs/git: the one-time global initialisation, an
// owning pointer per handle type, and the last libgit2 error as text.

#include <git2.h>

#include <memory>
#include <string>

namespace driftless::git::detail {

// Initialises libgit2 once per process (git_libgit2_init) and keeps it for the process's life.
void ensureLibgit2();

template <typename T, void (*Free)(T*)>
struct Libgit2Deleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};
template <typename T, void (*Free)(T*)>
using Libgit2Ptr = std::unique_ptr<T, Libgit2Deleter<T, Free>>;

using RepositoryPtr = Libgit2Ptr<git_repository, git_repository_free>;
using RemotePtr = Libgit2Ptr<git_remote, git_remote_free>;
using CommitPtr = Libgit2Ptr<git_commit, git_commit_free>;
using TagPtr = Libgit2Ptr<git_tag, git_tag_free>;
using ObjectPtr = Libgit2Ptr<git_object, git_object_free>;
using ReferencePtr = Libgit2Ptr<git_reference, git_reference_free>;
using OdbPtr = Libgit2Ptr<git_odb, git_odb_free>;
using OdbObjectPtr = Libgit2Ptr<git_odb_object, git_odb_object_free>;
using SubmodulePtr = Libgit2Ptr<git_submodule, git_submodule_free>;
using ConfigPtr = Libgit2Ptr<git_config, git_config_free>;

// Frees a git_buf's contents (a git_buf is a value, not a handle).
class Buf {
 public:
  Buf() = default;
  ~Buf() { git_buf_dispose(&buf_); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  git_buf* get() noexcept { return &buf_; }
  [[nodiscard]] std::string str() const { return std::string(buf_.ptr, buf_.size); }

 private:
  git_buf buf_ = GIT_BUF_INIT;
};

// The message of the last libgit2 error on this thread ("unknown error" when none).
std::string lastErrorMessage();

// The hex form of an object id.
std::string oidHex(const git_oid& oid);

}  // namespace driftless::git::detail
