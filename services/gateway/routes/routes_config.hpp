#pragma once

// /api/config: the runtime configuration, its validation and backups.

#include "routes.hpp"

#include <memory>

namespace kumo::gateway {

std::unique_ptr<route_module> make_config_module(httplib::Server& server,
                                                 service_context& ctx,
                                                 const bus_client& bus);

} // namespace kumo::gateway
