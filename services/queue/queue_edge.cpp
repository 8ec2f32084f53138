#include "queue_edge.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"

#include <caf/all.hpp>

namespace kumo::queue {

namespace {

using edge_pointer = queue_edge_actor::pointer;

queue_edge_actor::behavior_type queue_edge(edge_pointer self,
                                           const queue_settings& cfg,
                                           const bus_actor& bus,
                                           const queue_actor& queue) {
  for (const char* subject :
       {subjects::queue_cmd_all, subjects::queue_claim,
        subjects::queue_heartbeat, subjects::queue_report})
    subscribe(self, bus, subject, subjects::queue_group);
  return {
      [=](const bus_message& msg) {
        auto decoded = decode_request(msg, cfg);
        if (decoded) {
          self->send(queue, queue_request{std::move(*decoded), msg.reply});
          return;
        }
        if (msg.reply.empty())
          return;
        wire::error_reply err{"invalid_argument", decoded.error().message};
        self->send(
            bus, publish_atom::value, msg.reply,
            nlohmann::json{{"error", err}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace));
      },
  };
}

} // namespace

result<command> decode_request(const bus_message& msg,
                               const queue_settings& cfg) {
  static const std::string cmd_prefix = "kumo.queue.cmd.";
  if (msg.subject.rfind(cmd_prefix, 0) == 0)
    return parse_queue_command(msg.subject.substr(cmd_prefix.size()),
                               msg.payload, cfg.paths, cfg.rules);
  auto lift = [](auto parsed) -> result<command> {
    if (!parsed)
      return parsed.error();
    return command{std::move(*parsed)};
  };
  if (msg.subject == subjects::queue_claim)
    return lift(parse_claim(msg.payload));
  if (msg.subject == subjects::queue_heartbeat)
    return lift(parse_heartbeat(msg.payload));
  if (msg.subject == subjects::queue_report)
    return lift(parse_report(msg.payload));
  return invalid("unexpected subject " + msg.subject);
}

queue_edge_actor spawn_queue_edge(caf::local_actor* parent, queue_settings cfg,
                                  bus_actor bus, queue_actor queue) {
  return parent->spawn<caf::linked>(queue_edge, std::move(cfg), std::move(bus),
                                    std::move(queue));
}

} // namespace kumo::queue
