#pragma once

// Bounded waits and plain reads and writes on a connected socket, for the
// gateway's own handling of HTTP connections (see http_server.cpp). POSIX
// only; no HTTP in here.

#include <chrono>
#include <string>
#include <sys/types.h>

namespace kumo::gateway {

/// Whether `fd` becomes readable (data, end of stream or an error) within
/// `timeout`.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

/// Whether `fd` can take more bytes within `timeout`.
bool wait_writable(int fd, std::chrono::milliseconds timeout);

/// recv() that retries on EINTR: bytes read, 0 at end of stream, -1 on error.
ssize_t receive_some(int fd, char* buf, size_t size);

/// send() without SIGPIPE that retries on EINTR.
ssize_t send_some(int fd, const char* buf, size_t size);

/// Writes all of `bytes`, waiting at most `timeout` for room each time.
bool send_all(int fd, const std::string& bytes,
              std::chrono::milliseconds timeout);

/// Numeric address and port of the peer (`peer`) or of this end.
void endpoint_of(int fd, bool peer, std::string& ip, int& port);

/// Ends a connection whose peer may still be sending: stops writing, throws
/// away what arrives for at most `linger` (so the peer reads the answer
/// instead of a reset), then closes `fd`.
void lingering_close(int fd, std::chrono::milliseconds linger);

} // namespace kumo::gateway
