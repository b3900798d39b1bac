#pragma once

// Structured logging in controller-runtime's JSON format (what Flux controllers print with
// --log-encoding=json): {"level":"info","ts":"2024-01-02T03:04:05.678Z","logger":"...",
// "msg":"...","controller":"gitrepository","name":"x","namespace":"y","reconcileID":"..."}.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::core {

enum class LogLevel { Trace = 0, Debug = 1, Info = 2, Error = 3 };
enum class LogEncoding { Json, Console };

// Parses Flux's --log-level values (trace, debug, info, error); throws core::Error otherwise.
LogLevel parseLogLevel(std::string_view name);
const char* logLevelName(LogLevel level) noexcept;

using LogFields = std::vector<std::pair<std::string, Value>>;

// Where log lines go; the default writes to stderr. Implementations must be thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(std::string_view line) = 0;
};
using LogSinkPtr = std::shared_ptr<LogSink>;

// A cheap-to-copy logger carrying a name and key/value pairs added to every line.
class Logger {
 public:
  Logger();  // logs to stderr at info level in JSON
  Logger(LogSinkPtr sink, LogLevel level, LogEncoding encoding);

  [[nodiscard]] Logger withName(std::string_view name) const;
  [[nodiscard]] Logger withValues(LogFields fields) const;

  [[nodiscard]] bool enabled(LogLevel level) const noexcept { return level >= level_; }
  void log(LogLevel level, std::string_view msg, const LogFields& fields = {}) const;
  void info(std::string_view msg, const LogFields& fields = {}) const {
    log(LogLevel::Info, msg, fields);
  }
  void debug(std::string_view msg, const LogFields& fields = {}) const {
    log(LogLevel::Debug, msg, fields);
  }
  void trace(std::string_view msg, const LogFields& fields = {}) const {
    log(LogLevel::Trace, msg, fields);
  }
  // Adds "error": <what> to the line, as controller-runtime's log.Error does.
  void error(std::string_view msg, std::string_view error, const LogFields& fields = {}) const;

 private:
  LogSinkPtr sink_;
  LogLevel level_ = LogLevel::Info;
  LogEncoding encoding_ = LogEncoding::Json;
  std::string name_;
  std::shared_ptr<const LogFields> values_;
};

// A sink writing whole lines to a file descriptor (2 = stderr) with one write(2) per line.
LogSinkPtr makeFdLogSink(int fd);

// Formats a time as zap's ISO8601 encoder does: 2006-01-02T15:04:05.000Z (UTC).
std::string formatLogTimestamp(std::int64_t unixMillis);

}  // namespace driftless::core
