#pragma once

// Watches the sockets of long-lived responses (event streams) from one
// thread. A stream only writes, so without this a client that went away is
// noticed at the next write (a keepalive, up to 15 s later) and its thread
// stays busy until then. With it the stream ends as soon as the client hangs
// up, and stopping the gateway can unblock a stream stuck writing to a
// client that stopped reading.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace kumo::gateway {

class connection_watch {
public:
  /// Starts the watch thread. `ok()` is false when epoll is unavailable;
  /// then nothing is watched (streams still end at their next write).
  connection_watch();

  /// Stops the watch thread.
  ~connection_watch();

  connection_watch(const connection_watch&) = delete;
  connection_watch& operator=(const connection_watch&) = delete;

  bool ok() const {
    return epoll_fd_ >= 0;
  }

  /// Calls `on_hangup` once, on the watch thread, when the peer of `fd`
  /// closes or resets the connection. Returns a ticket for remove(), 0 when
  /// `fd` cannot be watched. REQUIRES: remove() before `fd` is closed.
  uint64_t add(int fd, std::function<void()> on_hangup);

  /// Stops watching: `on_hangup` does not start after this returns (it may
  /// be running already, so it must not need what the caller frees next).
  void remove(uint64_t ticket);

  /// Shuts every watched socket down: blocked writes fail at once and the
  /// peers see the end of the stream.
  void cut_all();

private:
  struct watched {
    int fd;
    std::function<void()> on_hangup;
  };

  void run();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::unordered_map<uint64_t, watched> watched_;
  uint64_t next_ticket_ = 1;
  std::thread thread_;
};

/// The socket of this process whose peer is `remote_addr`:`remote_port`
/// and whose local port is `local_port`, or -1. The HTTP library hands
/// handlers the connection's addresses but not its socket; a handler finds
/// its own connection this way (it stays open while the handler runs).
int find_connection_socket(const std::string& remote_addr, int remote_port,
                           int local_port);

} // namespace kumo::gateway
