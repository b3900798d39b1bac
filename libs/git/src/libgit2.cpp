#include "libgit2.h"

namespace driftless::git::detail {

namespace {

// Holds libgit2's global state for the life of the process.
class Libgit2Runtime {
 public:
  Libgit2Runtime() { git_libgit2_init(); }
  ~Libgit2Runtime() { git_libgit2_shutdown(); }
  Libgit2Runtime(const Libgit2Runtime&) = delete;
  Libgit2Runtime& operator=(const Libgit2Runtime&) = delete;
};

}  // namespace

void ensureLibgit2() {
  static const Libgit2Runtime runtime;
}

std::string lastErrorMessage() {
  const git_error* e = git_error_last();
  if (e == nullptr || e->message == nullptr || *e->message == '\0') return "unknown error";
  return e->message;
}

std::string oidHex(const git_oid& oid) {
  char buf[GIT_OID_MAX_HEXSIZE + 1] = {};
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

}  // namespace driftless::git::detail
