#include "command_forwarder.hpp"

#include "bus_client.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"

#include <prometheus/counter.h>

namespace kumo::gateway {

command_forwarder::command_forwarder(
    const bus_client& bus, std::string service,
    std::function<std::string(const std::string&)> subject_of,
    prometheus::Counter* unavailable)
    : bus_(bus),
      service_(std::move(service)),
      subject_of_(std::move(subject_of)),
      unavailable_(unavailable) {
  // nop
}

http_answer command_forwarder::forward(const std::string& op,
                                       const checked_request& request,
                                       int success_status) const {
  if (!request.ok())
    return answer_from_refusal(request);
  auto reply = bus_.request(subject_of_(op), request.payload.dump());
  if (reply)
    return answer_from_reply(*reply, success_status, service_);
  auto code = to_string(code_of(reply.error()));
  log::warn(service_ + " request failed", {{"op", op}, {"error", code}});
  if (unavailable_)
    unavailable_->Increment();
  return answer_from_bus_failure(code, service_);
}

} // namespace kumo::gateway
