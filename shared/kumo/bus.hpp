#pragma once

// The NATS connection of a process, owned by one actor (the bus). Other
// actors publish, subscribe and make requests by messaging it; nats.c threads
// never touch actor state, they only anon_send into the bus or a listener.

#include "kumo/atoms.hpp"
#include "kumo/result.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo {

class metrics;
struct readiness;

/// A message delivered from a subscription.
struct bus_message {
  std::string subject;
  std::string reply; ///< empty unless the sender expects an answer
  std::string payload;
};

/// Receives the messages of a subscription.
using bus_listener = caf::typed_actor<caf::reacts_to<bus_message>>;

/// The bus. Requests fail with errc::timeout after their deadline and with
/// errc::no_responders at once when nobody listens on the subject.
using bus_actor = caf::typed_actor<
    // Fire and forget; buffered by nats.c while reconnecting.
    caf::reacts_to<publish_atom, std::string, std::string>,
    // Subject, payload, deadline -> the first reply's payload.
    caf::replies_to<request_atom, std::string, std::string,
                    caf::timespan>::with<std::string>,
    // Subject, payload, window, expected -> every reply that arrives within
    // the window; answers as soon as `expected` replies arrived (0: wait for
    // the whole window).
    caf::replies_to<gather_atom, std::string, std::string, caf::timespan,
                    uint32_t>::with<std::vector<std::string>>,
    // Subject, queue group ("" for none), listener.
    caf::replies_to<subscribe_atom, std::string, std::string,
                    bus_listener>::with<bool>,
    // Internal: a reply arrived on our inbox (id, payload, no-responders flag).
    caf::reacts_to<inbox_atom, uint64_t, std::string, bool>,
    // Internal: the deadline of request `id` passed.
    caf::reacts_to<timeout_atom, uint64_t>>;

struct bus_options {
  std::string url;  ///< nats://host:port[,nats://...]
  std::string name; ///< connection name shown by the server
  /// NATS user and password; empty for a server without authorization.
  /// With a user, replies arrive on `_INBOX.<user>.>`, the only inbox the
  /// server's permission table lets that user read.
  std::string user;
  std::string password;
};

/// The inbox prefix (without the trailing ".") of a connection as `user`.
std::string inbox_root(const std::string& user);

/// Spawns the bus. It connects in the background and keeps reconnecting
/// forever; `ready.nats` follows the connection state. A refused login is
/// logged once (error "nats authorization failed") and keeps `ready.nats`
/// false; a refused publish or subscribe is logged as a permissions
/// violation.
bus_actor spawn_bus(caf::actor_system& sys, const bus_options& opts,
                    readiness& ready, metrics& m);

/// Serializes a typed message with its nlohmann `to_json`.
template <class T>
std::string encode(const T& value) {
  return nlohmann::json(value).dump();
}

/// Deserializes a typed message. Fails with errc::invalid_argument and
/// "malformed JSON" or the JSON library's sentence about the bad value.
template <class T>
result<T> decode(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded())
    return invalid("malformed JSON");
  try {
    return doc.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return invalid(e.what());
  }
}

} // namespace kumo

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::bus_message)
