#include "bus_client.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/errors.hpp"

#include <caf/all.hpp>

namespace kumo::gateway {

bus_client::bus_client(caf::actor_system& sys, bus_actor bus,
                       caf::timespan timeout)
    : sys_(sys), bus_(std::move(bus)), timeout_(timeout) {
  // nop
}

caf::expected<std::string>
bus_client::request(const std::string& subject,
                    const std::string& payload) const {
  caf::scoped_actor self{sys_};
  return ask_blocking(self.ptr(), bus_, subject, payload, timeout_);
}

std::vector<std::vector<std::string>>
bus_client::gather_all(const std::vector<std::string>& subjects,
                       const std::string& payload, caf::timespan window,
                       const std::vector<size_t>& expected) const {
  caf::scoped_actor self{sys_};
  std::vector<std::vector<std::string>> out(subjects.size());
  std::vector<decltype(self->request(bus_, window, gather_atom::value,
                                     std::string{}, payload, window,
                                     uint32_t{0}))>
      pending;
  for (size_t i = 0; i < subjects.size(); ++i) {
    auto count = i < expected.size() ? expected[i] : 0;
    pending.push_back(self->request(bus_, window + std::chrono::seconds(1),
                                    gather_atom::value, subjects[i], payload,
                                    window, static_cast<uint32_t>(count)));
  }
  for (size_t i = 0; i < pending.size(); ++i)
    pending[i].receive(
        [&](std::vector<std::string>& replies) { out[i] = std::move(replies); },
        [](caf::error&) {
          // nop: no replies
        });
  return out;
}

void bus_client::publish(const std::string& subject,
                         const std::string& payload) const {
  caf::anon_send(bus_, publish_atom::value, subject, payload);
}

} // namespace kumo::gateway
