#include <httplib.h>

#include "bus_client.hpp"
#include "kumo/service.hpp"
#include "routes.hpp"

namespace kumo::gateway {

std::unique_ptr<route_module> make_events_module(httplib::Server&,
                                               service_context&,
                                               const bus_client&) {
  return std::make_unique<route_module>();
}

} // namespace kumo::gateway
