#include "driftless/core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace driftless::core {

namespace {

class FdSink final : public LogSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n <= 0) return;  // nowhere left to report a failing log sink
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::mutex mutex_;
};

std::int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void appendConsoleValue(std::string& out, const Value& v) {
  if (v.isString()) {
    out += v.asString();
  } else {
    appendJson(out, v);
  }
}

}  // namespace

LogLevel parseLogLevel(std::string_view name) {
  if (name == "trace") return LogLevel::Trace;
  if (name == "debug") return LogLevel::Debug;
  if (name == "info") return LogLevel::Info;
  if (name == "error") return LogLevel::Error;
  throw Error("invalid log level \"" + std::string(name) + "\": use trace, debug, info or error");
}

const char* logLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Trace:
      return "trace";
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

LogSinkPtr makeFdLogSink(int fd) {
  return std::make_shared<FdSink>(fd);
}

std::string formatLogTimestamp(std::int64_t unixMillis) {
  std::time_t secs = static_cast<std::time_t>(unixMillis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unixMillis % 1000));
  return buf;
}

Logger::Logger() : Logger(makeFdLogSink(2), LogLevel::Info, LogEncoding::Json) {}

Logger::Logger(LogSinkPtr sink, LogLevel level, LogEncoding encoding)
    : sink_(std::move(sink)),
      level_(level),
      encoding_(encoding),
      values_(std::make_shared<const LogFields>()) {}

Logger Logger::withName(std::string_view name) const {
  Logger copy = *this;
  copy.name_ = name_.empty() ? std::string(name) : name_ + "." + std::string(name);
  return copy;
}

Logger Logger::withValues(LogFields fields) const {
  Logger copy = *this;
  auto merged = std::make_shared<LogFields>(*values_);
  for (auto& f : fields)
    merged->push_back(std::move(f));
  copy.values_ = std::move(merged);
  return copy;
}

void Logger::log(LogLevel level, std::string_view msg, const LogFields& fields) const {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(256);
  std::string ts = formatLogTimestamp(nowMillis());
  if (encoding_ == LogEncoding::Console) {
    line += ts + "\t" + logLevelName(level) + "\t";
    if (!name_.empty()) line += name_ + "\t";
    line += msg;
    for (const auto* list : {values_.get(), &fields}) {
      for (const auto& [k, v] : *list) {
        line += "\t" + k + "=";
        appendConsoleValue(line, v);
      }
    }
    line += '\n';
    sink_->write(line);
    return;
  }
  Object obj;
  obj.append("level", logLevelName(level));
  obj.append("ts", std::move(ts));
  if (!name_.empty()) obj.append("logger", name_);
  obj.append("msg", std::string(msg));
  for (const auto* list : {values_.get(), &fields}) {
    for (const auto& [k, v] : *list)
      obj.set(k, v);
  }
  appendJson(line, Value(std::move(obj)));
  line += '\n';
  sink_->write(line);
}

void Logger::error(std::string_view msg, std::string_view error, const LogFields& fields) const {
  LogFields all = fields;
  all.emplace_back("error", std::string(error));
  log(LogLevel::Error, msg, all);
}

}  // namespace driftless::core
