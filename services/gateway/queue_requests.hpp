#pragma once

// Validation of /api/queue requests before they are forwarded to the queue
// service (kumo.queue.cmd.<op>), and the mapping of its answers to HTTP.
// Pure: strings and JSON in, values out; no httplib, CAF or NATS.
//
// Every check runs the shared request contract (kumo/contracts/), the same
// the queue parses the forwarded payload with, and yields either the
// contract's wire form to forward (only known fields) or the offending
// field and a sentence naming it.

#include "kumo/config.hpp"
#include "kumo/contracts/queue_requests.hpp"
#include "kumo/contracts/queue_status.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace kumo::gateway {

/// The gateway options of the queue routes: fetch_allow_cidrs, the same
/// allowlist the queue and the downloader have.
std::vector<option> queue_route_options();

/// The rules of the queue routes from validated settings, or the offending
/// option.
result<contracts::request_rules> queue_route_rules(const settings& cfg);

/// A validated request: `payload` when `error` is empty.
struct checked_request {
  nlohmann::json payload;
  std::string error; ///< the sentence for the client
  std::string field; ///< the offending field ("" for the whole body)

  [[nodiscard]] bool ok() const {
    return error.empty();
  }
  static checked_request valid(nlohmann::json payload) {
    return {std::move(payload), {}, {}};
  }
  static checked_request invalid(const contracts::field_error& why) {
    return {nullptr, why.message, why.field};
  }
};

/// POST /api/queue/add, checked against `rules` (literal source addresses).
checked_request check_add(const std::string& body,
                          const contracts::request_rules& rules);

/// Any route that names one item: {"id": "<uuid, lowercase>"}.
checked_request check_id(const std::string& id);

/// POST /api/queue/{id}/priority with {"priority": "high|normal|low" | 0..2}.
checked_request check_priority(const std::string& id, const std::string& body);

/// POST /api/queue/retry with an optional {"ids": [uuid, ...]}; an empty
/// body retries every failed item.
checked_request check_retry(const std::string& body);

/// GET /api/queue/status?limit=&<list>_cursor=: one page of every list.
checked_request
check_status(const std::multimap<std::string, std::string>& params);

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
