#include "test_support.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>
#include <thread>

namespace driftless::test {

core::Logger quietLogger() {
  return core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool waitForKind(kube::Client& client, const kube::GroupVersionKind& gvk,
                 const std::string& namespace_) {
  return eventually([&] {
    try {
      client.list(gvk, namespace_);
      return true;
    } catch (const std::exception&) {
      client.restMapper().reset();
      return false;
    }
  });
}

}  // namespace driftless::test
