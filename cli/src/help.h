#pragma once

// `driftless COMMAND --help` (usage, flags and an example for every command) and shell completion
// scripts (`driftless completion bash|zsh`).

#include <optional>
#include <string>
#include <string_view>

namespace driftless::cli {

// The help text of a command, if it has one.
std::optional<std::string> commandHelp(std::string_view command);

// A completion script for bash or zsh; throws core::Error for another shell.
std::string completionScript(std::string_view shell);

}  // namespace driftless::cli
