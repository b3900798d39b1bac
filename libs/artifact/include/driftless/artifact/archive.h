#pragma once

// Flux's artifact tarballs (fluxcd/pkg artifact/storage archive.go) and their safe extraction
// (fluxcd/pkg tar untar.go).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace driftless::artifact {

// Returns true for entries to leave out; relPath is '/'-separated and relative to the root.
using ArchiveFilter = std::function<bool(std::string_view relPath, bool isDir)>;

// Writes the gzip'd tar of dir to out as source-controller does: a sorted walk (byte order) of
// regular files and directories only (symlinks and other types are skipped, never followed),
// entry "." for dir itself then names relative to dir, uid/gid 0, empty uname/gname, zero times,
// modes 0750 for directories, 0700 for executable files and 0600 for other files. The filter is
// asked about every path on its own: excluding a directory does not exclude its contents (Flux
// walks into it and asks again). Throws core::Error when dir is not a directory or on I/O errors.
void writeTarGz(const std::filesystem::path& dir, const std::filesystem::path& out,
                const ArchiveFilter& filter = {});

struct ExtractLimits {
  std::uint64_t maxBytes = 100ull << 20;  // total size of the files (Flux's DefaultMaxUntarSize)
  std::uint64_t maxFiles = 100000;        // entries of any type
};

// Extracts a gzip'd tar into dest (created when missing). Directories get their mode | 0700 and
// files their permission bits. Symlinks are created when their target stays inside dest and
// hardlinks when they point to a regular file extracted before. Throws core::Error, before
// writing the offending entry, for: a stream that is not gzip, an absolute name, a name with a
// ".." segment or a backslash, a path through a symlink, a symlink whose target leaves dest
// (also through other symlinks, checked when all entries are written; the link is removed), a
// hardlink to anything but an extracted regular file, device nodes, FIFOs and other types, more
// than maxFiles entries, more than maxBytes of content. Nothing is ever written outside dest;
// after an error dest holds a partial tree the caller should discard.
void extractTarGz(const std::filesystem::path& archive, const std::filesystem::path& dest,
                  const ExtractLimits& limits = {});

}  // namespace driftless::artifact
