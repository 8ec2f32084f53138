#include "events/connection_watch.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kumo::gateway {

namespace {

constexpr uint64_t wake_ticket = 0;

/// Port and numeric address of a socket address; port -1 when not IP.
std::pair<int, std::string> endpoint(const sockaddr_storage& sa) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    return {ntohs(in.sin_port), text};
  }
  if (sa.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    return {ntohs(in6.sin6_port), text};
  }
  return {-1, ""};
}

bool matches(int fd, const std::string& remote_addr, int remote_port,
             int local_port) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    return false;
  auto peer = endpoint(sa);
  if (peer.first != remote_port || peer.second != remote_addr)
    return false;
  len = sizeof sa;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    return false;
  return endpoint(sa).first == local_port;
}

} // namespace

int find_connection_socket(const std::string& remote_addr, int remote_port,
                           int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr)
    return -1;
  int dir_fd = dirfd(dir);
  int found = -1;
  while (auto* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dir_fd)
      continue;
    if (matches(static_cast<int>(fd), remote_addr, remote_port, local_port)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

connection_watch::connection_watch() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    if (epoll_fd_ >= 0)
      close(epoll_fd_);
    if (wake_fd_ >= 0)
      close(wake_fd_);
    epoll_fd_ = wake_fd_ = -1;
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_ticket;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
}

connection_watch::~connection_watch() {
  if (!ok())
    return;
  stopping_ = true;
  uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(wake_fd_);
  close(epoll_fd_);
}

uint64_t connection_watch::add(int fd, std::function<void()> on_hangup) {
  if (!ok() || fd < 0)
    return 0;
  std::lock_guard<std::mutex> guard{mutex_};
  auto ticket = next_ticket_++;
  epoll_event ev{};
  // Only the peer hanging up (or an error) matters: a stream's client
  // sends nothing after its request.
  ev.events = EPOLLRDHUP;
  ev.data.u64 = ticket;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
    return 0;
  watched_.emplace(ticket, watched{fd, std::move(on_hangup)});
  return ticket;
}

void connection_watch::remove(uint64_t ticket) {
  if (ticket == 0)
    return;
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = watched_.find(ticket);
  if (i == watched_.end())
    return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, i->second.fd, nullptr);
  watched_.erase(i);
}

void connection_watch::cut_all() {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& [ticket, w] : watched_)
    shutdown(w.fd, SHUT_RDWR);
}

void connection_watch::run() {
  epoll_event events[64];
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      // Tickets are never reused, so an event that raced with remove()
      // finds nothing and cannot hit a new connection on a reused fd.
      if (events[i].data.u64 == wake_ticket)
        continue;
      std::function<void()> hangup;
      {
        std::lock_guard<std::mutex> guard{mutex_};
        auto w = watched_.find(events[i].data.u64);
        if (w == watched_.end())
          continue;
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->second.fd, nullptr);
        hangup = std::move(w->second.on_hangup);
        watched_.erase(w);
      }
      hangup();
    }
  }
}

} // namespace kumo::gateway
