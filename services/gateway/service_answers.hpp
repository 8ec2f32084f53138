#pragma once

// What the gateway forwards to a service over the bus and how it turns the
// service's reply into HTTP. Shared by every route group that answers
// through a service's command subjects (kumo.<service>.cmd.<op>): the
// queue routes, the series and library routes. Pure: JSON in, values out;
// no httplib, CAF or NATS.

#include "kumo/contracts/fields.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace kumo::gateway {

/// A request checked and converted at the gateway: `payload` (the JSON
/// object to send) when `error` is empty.
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

/// An HTTP answer: status and JSON body.
struct http_answer {
  int status;
  nlohmann::json body;
};

/// The 400 answer for a request refused at the gateway:
/// {"error": {"code": "invalid_argument", "message", "field"}}.
http_answer answer_from_refusal(const checked_request& refused);

/// HTTP status for an error code of the services' bus contract:
/// invalid_argument 400, not_found 404, conflict 409,
/// unavailable/timeout/no_responders 503, anything else 500.
int status_for_error_code(const std::string& code);

/// Maps a service's reply: {"error": {"code", "message", "field"?}} to its
/// status (the field kept when it is a string), any other JSON object to
/// `success_status`, and a malformed reply to 502. `service` names the
/// service in messages ("queue", "scanner").
http_answer answer_from_reply(const std::string& reply, int success_status,
                              const std::string& service);

/// Maps a request the bus could not deliver (`code`: errc name such as
/// "timeout" or "no_responders") to 503 with a message naming `service` and
/// saying what went wrong.
http_answer answer_from_bus_failure(const std::string& code,
                                    const std::string& service);

} // namespace kumo::gateway
