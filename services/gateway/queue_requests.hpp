#pragma once

// Validation of /api/queue requests before they are forwarded to the queue
// service (kumo.queue.cmd.<op>), and the mapping of its answers to HTTP.
// Pure: strings and JSON in, values out; no httplib, CAF or NATS.
//
// Every check yields either the normalized payload to forward (only known
// fields; unknown fields are ignored) or one clear message naming the field.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kumo::gateway {

/// Limits on what a client may send. The queue enforces its own as well.
namespace queue_limits {
constexpr size_t max_text_bytes = 255; ///< serie_id, serie_folder, serie_name
constexpr size_t max_url_bytes = 2048;
constexpr size_t max_provider_bytes = 32;
constexpr size_t max_episodes = 1000;
constexpr size_t max_ids = 1000;
constexpr int max_season = 1000;
constexpr int max_episode = 10000;
} // namespace queue_limits

/// A validated request: `payload` when `error` is empty.
struct checked_request {
  nlohmann::json payload;
  std::string error;

  [[nodiscard]] bool ok() const {
    return error.empty();
  }
  static checked_request valid(nlohmann::json payload) {
    return {std::move(payload), {}};
  }
  static checked_request invalid(std::string why) {
    return {nullptr, std::move(why)};
  }
};

/// Why `url` cannot be a download source, or nullopt when it can: it must
/// be printable ASCII, at most max_url_bytes, with scheme http or https, a
/// host, an optional numeric port, and no user info (credentials).
std::optional<std::string> url_problem(const std::string& url);

/// POST /api/queue/add.
checked_request check_add(const std::string& body);

/// Any route that names one item: {"id": "<uuid, lowercase>"}.
checked_request check_id(const std::string& id);

/// POST /api/queue/{id}/priority with {"priority": "high|normal|low" | 0..2}.
checked_request check_priority(const std::string& id, const std::string& body);

/// POST /api/queue/retry with an optional {"ids": [uuid, ...]}; an empty
/// body retries every failed item.
checked_request check_retry(const std::string& body);

/// An HTTP answer: status and JSON body.
struct http_answer {
  int status;
  nlohmann::json body;
};

/// HTTP status for an error code of the queue contract: invalid_argument
/// 400, not_found 404, conflict 409, unavailable/timeout/no_responders 503,
/// anything else 500.
int status_for_error_code(const std::string& code);

/// Maps the queue service's reply: {"error": {...}} to its status, any other
/// JSON object to `success_status`, and a malformed reply to 502.
http_answer answer_from_reply(const std::string& reply, int success_status);

/// Maps a failed request (`code`: errc name such as "timeout" or
/// "no_responders") to 503 with a message saying what went wrong.
http_answer answer_from_bus_failure(const std::string& code);

} // namespace kumo::gateway
