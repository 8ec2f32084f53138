#pragma once

// Blocking access to the bus for HTTP handler threads. Each call uses its own
// scoped actor, so no actor state is shared with httplib's threads.

#include "kumo/bus.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace kumo::gateway {

class bus_client {
public:
  bus_client(caf::actor_system& sys, bus_actor bus, caf::timespan timeout);

  /// The first reply to `payload` on `subject`, or an error (timeout,
  /// no_responders).
  caf::expected<std::string> request(const std::string& subject,
                                     const std::string& payload) const;

  /// Every reply within `window` for each subject, asked concurrently. The
  /// gather of `subjects[i]` ends early once `expected[i]` replies arrived
  /// (missing or 0: after the window).
  std::vector<std::vector<std::string>>
  gather_all(const std::vector<std::string>& subjects,
             const std::string& payload, caf::timespan window,
             const std::vector<size_t>& expected = {}) const;

  void publish(const std::string& subject, const std::string& payload) const;

  caf::actor_system& system() const {
    return sys_;
  }

private:
  caf::actor_system& sys_;
  bus_actor bus_;
  caf::timespan timeout_;
};

} // namespace kumo::gateway
