#pragma once

// Reading commits and annotated tags out of a repository into the values of checkout.h, with
// what signature verification needs (the signed payload and the armored signature).

#include <optional>
#include <string>

#include "driftless/git/checkout.h"
#include "libgit2.h"

namespace driftless::git::detail {

// Throws GitError("GitOperationFailed") when the commit is not in the repository.
Commit readCommit(git_repository* repo, const git_oid& oid);

// The annotated tag object with the given id; nullopt when it is not a tag object.
std::optional<Tag> readTag(git_repository* repo, const git_oid& oid, const std::string& name);

// Splits an armored PGP or SSH signature off the end of a raw tag object: {payload, signature}.
std::pair<std::string, std::string> splitTagSignature(const std::string& raw);

}  // namespace driftless::git::detail
