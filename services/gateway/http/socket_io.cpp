#include "http/socket_io.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kumo::gateway {

namespace {

using steady = std::chrono::steady_clock;

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  auto deadline = steady::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - steady::now());
    int rc =
        ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (rc > 0)
      return true;
    if (rc == 0 || errno != EINTR)
      return false;
  }
}

} // namespace

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  return wait_for(fd, POLLIN, timeout);
}

bool wait_writable(int fd, std::chrono::milliseconds timeout) {
  return wait_for(fd, POLLOUT, timeout);
}

ssize_t receive_some(int fd, char* buf, size_t size) {
  for (;;) {
    auto n = ::recv(fd, buf, size, 0);
    if (n >= 0 || errno != EINTR)
      return n;
  }
}

ssize_t send_some(int fd, const char* buf, size_t size) {
  for (;;) {
    auto n = ::send(fd, buf, size, MSG_NOSIGNAL);
    if (n >= 0 || errno != EINTR)
      return n;
  }
}

bool send_all(int fd, const std::string& bytes,
              std::chrono::milliseconds timeout) {
  size_t done = 0;
  while (done < bytes.size()) {
    if (!wait_writable(fd, timeout))
      return false;
    auto n = send_some(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void endpoint_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  auto* addr = reinterpret_cast<sockaddr*>(&sa);
  if ((peer ? getpeername(fd, addr, &len) : getsockname(fd, addr, &len)) != 0)
    return;
  char text[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    port = ntohs(in.sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    port = ntohs(in6.sin6_port);
  }
  ip = text;
}

void lingering_close(int fd, std::chrono::milliseconds linger) {
  ::shutdown(fd, SHUT_WR);
  auto deadline = steady::now() + linger;
  char sink[16 * 1024];
  for (auto now = steady::now(); now < deadline; now = steady::now()) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!wait_readable(fd, left) || receive_some(fd, sink, sizeof sink) <= 0)
      break;
  }
  ::close(fd);
}

} // namespace kumo::gateway
