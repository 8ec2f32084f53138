#pragma once

// Validation of /api/queue requests before they are forwarded to the queue
// service (kumo.queue.cmd.<op>).
// Pure: strings and JSON in, values out; no httplib, CAF or NATS.
//
// Every check runs the shared request contract (kumo/contracts/), the same
// the queue parses the forwarded payload with, and yields either the
// contract's wire form to forward (only known fields) or the offending
// field and a sentence naming it. Replies are mapped to HTTP by
// service_answers.hpp.

#include "kumo/config.hpp"
#include "kumo/contracts/queue_requests.hpp"
#include "kumo/contracts/queue_status.hpp"
#include "service_answers.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace kumo::gateway {

/// The gateway options of the queue routes: fetch_allow_cidrs, the same
/// allowlist the queue and the downloader have.
std::vector<option> queue_route_options();

/// The rules of the queue routes from validated settings, or the offending
/// option.
result<contracts::request_rules> queue_route_rules(const settings& cfg);

/// POST /api/queue/add, checked against `rules` (literal source addresses).
checked_request check_add(const std::string& body,
                          const contracts::request_rules& rules);

/// Any route that names one item: {"id": "<uuid, lowercase>"}.
checked_request check_id(const std::string& id);

/// POST /api/queue/{id}/priority with {"priority": "high|normal|low" | 0..2}.
checked_request check_priority(const std::string& id, const std::string& body);

/// POST /api/queue/retry with an optional {"ids": [uuid, ...]}; an empty
/// body retries every failed item.
checked_request check_retry(const std::string& body);

/// GET /api/queue/status?limit=&<list>_cursor=: one page of every list.
checked_request
check_status(const std::multimap<std::string, std::string>& params);

} // namespace kumo::gateway
