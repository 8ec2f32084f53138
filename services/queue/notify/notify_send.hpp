#pragma once

// Sends one notification call with libcurl. Blocking: only for the
// notification sender's own detached actor.

#include "kumo/address_policy.hpp"
#include "notify_logic.hpp"
#include "notify_store.hpp"

#include <chrono>

namespace kumo::queue::notify {

/// Sends `call` within `timeout` (connect included), without following
/// redirects, connecting only to addresses `policy` permits (checked on
/// every resolved address). A 2xx status is delivered (error ""); anything
/// else returns the status (0 when no response came) and a one-line error
/// that holds no secret.
attempt_result send_call(const http_call& call, const address_policy& policy,
                         std::chrono::milliseconds timeout);

} // namespace kumo::queue::notify
