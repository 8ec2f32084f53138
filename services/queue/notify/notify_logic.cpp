#include "notify_logic.hpp"

#include "kumo/contracts/source_url.hpp"

#include <algorithm>
#include <iomanip>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sstream>

namespace kumo::queue::notify {

namespace {

using json = nlohmann::json;

bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

/// Reads the string `name` of `body` into `out` when present.
result<void> read_text(const json& body, const char* name, size_t max_bytes,
                       std::string& out) {
  auto it = body.find(name);
  if (it == body.end())
    return {};
  if (!it->is_string())
    return invalid(std::string{name} + " must be a string", name);
  auto text = it->get<std::string>();
  if (text.empty() || text.size() > max_bytes)
    return invalid(std::string{name} + " must have 1.." +
                       std::to_string(max_bytes) + " bytes",
                   name);
  if (has_control(text))
    return invalid(std::string{name} + " must not hold control characters",
                   name);
  out = std::move(text);
  return {};
}

result<void> read_events(const json& body, std::vector<std::string>& out) {
  auto it = body.find("events");
  if (it == body.end())
    return {};
  if (!it->is_array() || it->size() > event_names().size())
    return invalid("events must be a list of event names", "events");
  std::vector<std::string> events;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& e = (*it)[i];
    auto field = "events[" + std::to_string(i) + "]";
    const auto& known = event_names();
    if (!e.is_string() || std::find(known.begin(), known.end(),
                                    e.get<std::string>()) == known.end())
      return invalid(field + " must be one of episode.imported, "
                             "download.failed, scan.finished, "
                             "provider.breaker, disk.guard_tripped, "
                             "series.new_episodes, test",
                     field);
    if (std::find(events.begin(), events.end(), e.get<std::string>()) ==
        events.end())
      events.push_back(e.get<std::string>());
  }
  out = std::move(events);
  return {};
}

result<void> read_fields(const json& body, target& t) {
  for (auto [name, max, slot] : {std::tuple{"name", size_t{100}, &t.name},
                                 std::tuple{"kind", size_t{16}, &t.kind},
                                 std::tuple{"url", size_t{2048}, &t.url},
                                 std::tuple{"secret", size_t{512}, &t.secret},
                                 std::tuple{"section", size_t{16}, &t.section}})
    if (auto r = read_text(body, name, max, *slot); !r)
      return r;
  if (auto r = read_events(body, t.events); !r)
    return r;
  if (auto it = body.find("enabled"); it != body.end()) {
    if (!it->is_boolean())
      return invalid("enabled must be true or false", "enabled");
    t.enabled = it->get<bool>();
  }
  return {};
}

result<void> check_target(const target& t, const address_policy& policy) {
  if (t.kind != "webhook" && t.kind != "jellyfin" && t.kind != "plex")
    return invalid("kind must be webhook, jellyfin or plex", "kind");
  if (auto problem = contracts::source_url_problem(t.url, policy)) {
    // The shared sentence names the downloads' option; say ours.
    auto cut = problem->find(", an address downloads may not reach");
    if (cut != std::string::npos)
      *problem = problem->substr(0, cut) +
                 ", which is not allowed for notification targets (loopback, "
                 "private, link-local or reserved) unless it is in "
                 "KUMO_NOTIFY_ALLOW_CIDRS";
    return invalid("url " + *problem, "url");
  }
  if (t.kind == "plex" && t.section.empty())
    return invalid("section (the Plex library section id) is required for "
                   "kind plex",
                   "section");
  if (!std::all_of(t.section.begin(), t.section.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return invalid("section must be digits", "section");
  return {};
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

std::string url_encode(const std::string& text) {
  std::ostringstream out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out << c;
    else
      out << '%' << std::uppercase << std::hex << std::setw(2)
          << std::setfill('0') << static_cast<int>(c) << std::nouppercase
          << std::dec;
  }
  return out.str();
}

} // namespace

const std::vector<std::string>& event_names() {
  static const std::vector<std::string> names{"episode.imported",
                                              "download.failed",
                                              "scan.finished",
                                              "provider.breaker",
                                              "disk.guard_tripped",
                                              "series.new_episodes",
                                              "test"};
  return names;
}

result<target> merge_target(target base, const json& body, bool create,
                            const address_policy& policy) {
  if (!body.is_object())
    return invalid("the body must be a JSON object");
  if (create)
    for (const char* name : {"name", "kind", "url", "secret"})
      if (!body.contains(name))
        return invalid(std::string{name} + " is required", name);
  if (auto r = read_fields(body, base); !r)
    return r.error();
  if (auto r = check_target(base, policy); !r)
    return r.error();
  if (create && base.kind != "webhook" && !body.contains("events"))
    base.events = {"episode.imported", "test"};
  return base;
}

json to_public_json(const target& t) {
  json j = {
      {"id", t.id},          {"name", t.name},         {"kind", t.kind},
      {"url", t.url},        {"secret", "<redacted>"}, {"events", t.events},
      {"enabled", t.enabled}};
  if (t.kind == "plex")
    j["section"] = t.section;
  return j;
}

std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest,
       &size);
  std::ostringstream out;
  for (unsigned int i = 0; i < size; ++i)
    out << std::hex << std::setw(2) << std::setfill('0')
        << static_cast<int>(digest[i]);
  return out.str();
}

std::string webhook_body(const delivery& d) {
  json body = {{"id", d.id},
               {"event", d.event},
               {"created_at", d.created_at},
               {"data", d.payload}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

http_call build_call(const target& t, const delivery& d, int64_t unix_now) {
  http_call call;
  auto base = trim_slash(t.url);
  if (t.kind == "jellyfin") {
    call.method = "POST";
    call.url = call.shown_url = base + "/Library/Refresh";
    call.headers = {"X-Emby-Token: " + t.secret};
    return call;
  }
  if (t.kind == "plex") {
    call.method = "GET";
    auto path = base + "/library/sections/" + t.section + "/refresh";
    call.url = path + "?X-Plex-Token=" + url_encode(t.secret);
    call.shown_url = path + "?X-Plex-Token=<redacted>";
    return call;
  }
  call.method = "POST";
  call.url = call.shown_url = t.url;
  call.body = webhook_body(d);
  call.headers = {"Content-Type: application/json", "X-Kumo-Event: " + d.event,
                  "X-Kumo-Delivery: " + d.id,
                  "X-Kumo-Timestamp: " + std::to_string(unix_now),
                  "X-Kumo-Signature: sha256=" +
                      hmac_sha256_hex(t.secret, call.body)};
  return call;
}

int64_t retry_delay_ms(int attempts, const retry_rules& rules) {
  int64_t delay = rules.base_delay_ms;
  for (int i = 1; i < attempts && delay < rules.max_delay_ms; ++i)
    delay *= 2;
  return std::min(delay, rules.max_delay_ms);
}

bool gives_up(int attempts, int64_t age_ms, const retry_rules& rules) {
  if (attempts >= rules.max_attempts)
    return true;
  return age_ms + retry_delay_ms(attempts, rules) > rules.max_age_ms;
}

bool is_delivered(long status) {
  return status >= 200 && status < 300;
}

} // namespace kumo::queue::notify
