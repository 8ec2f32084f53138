#pragma once

// POST /api/series/{key}/refresh and /download: provider listings and
// missing episodes, answered by the scanner (docs/api.md, "Feed series").

#include "routes.hpp"

namespace kumo::gateway {

std::unique_ptr<route_module> make_feeds_module(httplib::Server& server,
                                                service_context& ctx,
                                                const bus_client& bus);

} // namespace kumo::gateway
