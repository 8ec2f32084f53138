#pragma once

// The fields that let one job be followed through every service's log: each
// line about a job carries `event`, `item` (the queue item id) and `lease`
// (a fingerprint of the lease token), so `jq 'select(.item == "<id>")'` over
// all logs tells its story in order.

#include <nlohmann/json.hpp>
#include <string>

namespace kumo {

/// The first 8 hex digits of the SHA-256 of `token`; "" for "". A lease
/// token lets its holder report on the job, so logs never carry the token
/// itself, only this fingerprint, which tells leases apart but cannot be
/// turned back into the token.
std::string lease_fingerprint(const std::string& token);

/// `extra` plus {"event": event, "item": item, "lease": fingerprint of
/// `lease_token`} (no "lease" when the token is "").
nlohmann::json job_fields(const std::string& event, const std::string& item,
                          const std::string& lease_token,
                          nlohmann::json extra = nlohmann::json::object());

} // namespace kumo
