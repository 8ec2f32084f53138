#include "queue_requests.hpp"

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

template <class T>
checked_request forward(const contracts::parsed<T>& request) {
  if (!request)
    return checked_request::invalid(request.error());
  return checked_request::valid(contracts::to_json(*request));
}

/// Parses `body` as a JSON object and runs `parse` on it.
template <class Parse>
checked_request check_body(const std::string& body, bool empty_is_object,
                           Parse parse) {
  auto doc = contracts::parse_object(body, empty_is_object);
  if (!doc)
    return checked_request::invalid(doc.error());
  return forward(parse(*doc));
}

} // namespace

std::vector<option> queue_route_options() {
  return {{"fetch_allow_cidrs", option_kind::text, "",
           "CIDRs a source URL's literal address may lie in despite the "
           "address rules (same as the queue's and the downloader's)"}};
}

result<contracts::request_rules> queue_route_rules(const settings& cfg) {
  auto allow = parse_cidr_list(cfg.text("fetch_allow_cidrs"));
  if (!allow)
    return invalid(allow.error().message, "fetch_allow_cidrs");
  return contracts::request_rules{address_policy{std::move(*allow)}};
}

checked_request check_add(const std::string& body,
                          const contracts::request_rules& rules) {
  return check_body(body, false, [&](const json& doc) {
    return contracts::parse_add(doc, rules);
  });
}

checked_request check_id(const std::string& id) {
  return forward(contracts::parse_item(json{{"id", id}}));
}

checked_request check_priority(const std::string& id, const std::string& body) {
  auto item = contracts::parse_item(json{{"id", id}});
  if (!item)
    return checked_request::invalid(item.error());
  return check_body(body, false, [&](json doc) {
    doc["id"] = id;
    return contracts::parse_priority_request(doc);
  });
}

checked_request check_retry(const std::string& body) {
  return check_body(
      body, true, [](const json& doc) { return contracts::parse_retry(doc); });
}

checked_request
check_status(const std::multimap<std::string, std::string>& params) {
  return forward(contracts::parse_status_query(params));
}

} // namespace kumo::gateway
