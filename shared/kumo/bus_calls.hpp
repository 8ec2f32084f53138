#pragma once

// The three ways actors use the bus, each with one deadline rule and one
// failure policy, so no service writes its own:
//
// - ask(): a request from an event-based actor; the reply or the error
//   arrives as a callback within `timeout` plus a margin.
// - ask_blocking(): the same for blocking actors and threads of their own
//   (HTTP handlers, detached workers); never from an event-based handler.
// - reply(): answers a request message received from a subscription.
// - subscribe(): subscribes an actor to a subject; a subscription that is
//   refused or not confirmed in time is logged once and stops the actor.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"

#include <caf/actor_cast.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <string>

namespace kumo {

/// The bus enforces a request's `timeout` itself (errc::timeout); the
/// request to the bus actor gets this much longer, which only matters when
/// the bus is gone.
constexpr caf::timespan bus_margin = std::chrono::seconds(1);

/// Deadline for the bus to confirm a subscription.
constexpr caf::timespan subscribe_timeout = std::chrono::seconds(10);

/// Sends `payload` to `subject` and calls exactly one of
/// `on_reply(std::string&)` or `on_error(const caf::error&)`: errc::timeout
/// after `timeout`, errc::no_responders at once when nobody listens, or a
/// CAF error when the bus is gone. `Self` is an event-based actor pointer.
template <class Self, class OnReply, class OnError>
void ask(Self self, const bus_actor& bus, const std::string& subject,
         std::string payload, caf::timespan timeout, OnReply on_reply,
         OnError on_error) {
  self->request(bus, timeout + bus_margin, request_atom::value, subject,
                std::move(payload), timeout)
      .then(std::move(on_reply), std::move(on_error));
}

/// Blocking form of ask(): the first reply's payload or the error.
/// REQUIRES: `self` is a blocking actor (scoped_actor or detached
/// blocking_actor), never an event-based actor's handler.
inline caf::expected<std::string> ask_blocking(caf::blocking_actor* self,
                                               const bus_actor& bus,
                                               const std::string& subject,
                                               std::string payload,
                                               caf::timespan timeout) {
  caf::expected<std::string> out{make_error(errc::timeout, "no answer")};
  self->request(bus, timeout + bus_margin, request_atom::value, subject,
                std::move(payload), timeout)
      .receive([&](std::string& answer) { out = std::move(answer); },
               [&](caf::error& err) { out = std::move(err); });
  return out;
}

/// Answers `msg` with `payload`. Returns false (and sends nothing) when the
/// sender expects no answer.
template <class Self>
bool reply(Self self, const bus_actor& bus, const bus_message& msg,
           std::string payload) {
  if (msg.reply.empty())
    return false;
  self->send(bus, publish_atom::value, msg.reply, std::move(payload));
  return true;
}

/// Subscribes `self` (which must handle bus_message) to `subject`, in queue
/// group `group` ("" for none: every subscriber hears every message).
/// Failure policy: a refusal, or no confirmation within `timeout`, is
/// logged once ("cannot subscribe", with the subject) and `self` quits with
/// the error, so whoever supervises it sees it stop.
template <class Self>
void subscribe(Self self, const bus_actor& bus, const std::string& subject,
               const std::string& group = {},
               caf::timespan timeout = subscribe_timeout) {
  auto fail = [self, subject](const caf::error& err) {
    log::error("cannot subscribe",
               {{"subject", subject}, {"error", caf::to_string(err)}});
    self->quit(err);
  };
  self->request(bus, timeout, subscribe_atom::value, subject, group,
                caf::actor_cast<bus_listener>(self))
      .then(
          [fail](bool ok) {
            if (!ok)
              fail(make_error(errc::unavailable, "subscription refused"));
          },
          fail);
}

} // namespace kumo
