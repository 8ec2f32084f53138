#pragma once

// Forwards requests checked at the gateway to one service's command
// subjects over the bus (request/reply with the gateway's finite
// request_timeout) and turns the outcome into an HTTP answer. Used by HTTP
// handler threads; knows no HTTP library.

#include "service_answers.hpp"

#include <functional>
#include <string>

namespace prometheus {
class Counter;
}

namespace kumo::gateway {

class bus_client;

class command_forwarder {
public:
  /// `service` names the service in logs and messages ("queue");
  /// `subject_of(op)` is the subject of one operation; `unavailable` (may
  /// be null) counts requests answered 503 because the bus failed.
  command_forwarder(const bus_client& bus, std::string service,
                    std::function<std::string(const std::string&)> subject_of,
                    prometheus::Counter* unavailable);

  /// A refused `request` answers 400 without sending anything; else the
  /// service's reply mapped by answer_from_reply (`success_status` for a
  /// reply that is no error), or 503 when no reply came.
  http_answer forward(const std::string& op, const checked_request& request,
                      int success_status = 200) const;

private:
  const bus_client& bus_;
  std::string service_;
  std::function<std::string(const std::string&)> subject_of_;
  prometheus::Counter* unavailable_;
};

} // namespace kumo::gateway
