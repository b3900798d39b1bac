#include "ui.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>

namespace driftless::cli {

bool interactive() {
  static const bool tty = [] {
    const char* noColor = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && (noColor == nullptr || *noColor == '\0') &&
           (term == nullptr || std::string_view(term) != "dumb");
  }();
  return tty;
}

namespace {

const char* colourOf(std::string_view mark) {
  if (mark == "✔") return "\033[32m";                      // green
  if (mark == "✗") return "\033[31m";                      // red
  if (mark == "⚠️" || mark == "◎") return "\033[33m";  // yellow
  return "\033[36m";                                       // cyan: ► ✚
}

std::string elapsed(std::chrono::steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

void say(const char* mark, const std::string& message) {
  if (interactive()) {
    std::cerr << colourOf(mark) << mark << "\033[0m " << message << '\n';
  } else {
    std::cerr << mark << ' ' << message << '\n';
  }
}

Progress::Progress(std::string message)
    : message_(std::move(message)), start_(std::chrono::steady_clock::now()), live_(interactive()) {
  if (live_) {
    tick();
  } else {
    say("◎", message_);
  }
}

void Progress::tick() {
  if (!live_) return;
  static constexpr std::array<const char*, 10> kFrames = {"⠋", "⠙", "⠹", "⠸", "⠼",
                                                          "⠴", "⠦", "⠧", "⠇", "⠏"};
  std::cerr << "\r\033[K\033[33m" << kFrames[frame_++ % kFrames.size()] << "\033[0m " << message_
            << " (" << elapsed(std::chrono::steady_clock::now() - start_) << ")" << std::flush;
}

Progress::~Progress() {
  if (!live_) return;
  std::cerr << "\r\033[K";
  say("◎", message_ + " (" + elapsed(std::chrono::steady_clock::now() - start_) + ")");
}

}  // namespace driftless::cli
