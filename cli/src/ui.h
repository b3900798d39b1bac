#pragma once

// How the CLI talks to a person: flux's status marks (► ✔ ✗ ◎ ✚ ⚠️) on stderr,
// coloured only on a terminal (never with NO_COLOR set or TERM=dumb), and a spinner with the
// elapsed time while waiting on a terminal (a plain line otherwise, so logs and CI output stay
// readable).

#include <chrono>
#include <string>

namespace driftless::cli {

// Whether stderr is a terminal that takes colours and cursor movement.
bool interactive();

// `mark message` on stderr.
void say(const char* mark, const std::string& message);

// "◎ message" while something is awaited: on a terminal a spinner and the elapsed time redrawn by
// tick(), settled into one plain line when destroyed; elsewhere the plain line at once.
class Progress {
 public:
  explicit Progress(std::string message);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void tick();

 private:
  std::string message_;
  std::chrono::steady_clock::time_point start_;
  bool live_;
  unsigned frame_ = 0;
};

}  // namespace driftless::cli
