#pragma once

// One HTTP(S) GET with libcurl's easy interface. Blocking: call it only from
// a job's own thread. Streams the body to a handler in fixed-size pieces, so
// memory does not grow with the file.

#include "kumo/address_policy.hpp"
#include "resume.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kumo::downloader {

struct fetch_request {
  std::string url;
  int64_t range_from = 0;  ///< sends `Range: bytes=<n>-` when > 0
  int64_t range_to = -1;   ///< last byte wanted: `Range: bytes=<from>-<to>`
  bool open_range = false; ///< sends `Range: bytes=<from>-` even from 0
  std::string if_range;    ///< sent with the Range, when not empty
  std::string user_agent;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{
      30'000};              ///< no byte for this long: abort
  int64_t max_recv_bps = 0; ///< 0: unlimited
  int max_redirects = 5;
  const address_policy* policy = nullptr; ///< REQUIRES: not null
};

/// Receives the response. Every callback may return false to stop.
class fetch_handler {
public:
  virtual ~fetch_handler() = default;

  /// The final response's status and headers, before its first body byte
  /// (or at the end when the body is empty). Called at most once.
  virtual bool on_head(const response_head& head) = 0;

  /// A piece of the body, in order.
  virtual bool on_body(const char* data, size_t size) = 0;

  /// Called regularly, also while no data arrives.
  virtual bool on_tick() = 0;
};

enum class fetch_status : uint8_t {
  finished, ///< the whole response arrived
  stopped,  ///< a handler callback returned false
  blocked,  ///< every address of the host is refused by the policy
  failed,   ///< network, TLS or protocol error
};

struct fetch_result {
  fetch_status status = fetch_status::failed;
  bool transient = true; ///< for `failed`: worth retrying later
  std::string error;     ///< for `blocked` and `failed`
};

/// Performs the request. Only http and https, at most `max_redirects`
/// redirects, no proxies, every resolved address checked by the policy
/// before connecting (also after redirects), no compression (byte offsets
/// stay those of the file).
fetch_result fetch(const fetch_request& request, fetch_handler& handler);

/// Whether a libcurl error code is worth retrying later.
bool is_transient_curl_error(int code);

/// Initializes libcurl once per process; safe to call repeatedly.
void init_curl();

} // namespace kumo::downloader
