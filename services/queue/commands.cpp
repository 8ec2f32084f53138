#include "commands.hpp"

#include "kumo/validate.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

namespace kumo::queue {

namespace {

using json = nlohmann::json;

constexpr size_t max_name_bytes = 255;
constexpr size_t max_url_bytes = 2048;
constexpr size_t max_validator_bytes = 1024;
constexpr size_t max_error_bytes = 2000;
constexpr size_t max_episodes = 1000;
constexpr size_t max_heartbeat_jobs = 1000;
constexpr size_t max_retry_ids = 10'000;
constexpr int max_slots = 100;

template <class T>
result<T> fail(std::string message) {
  return result<T>::failure(std::move(message));
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool is_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c); });
}

/// Cuts to `limit` bytes on a UTF-8 boundary.
std::string clip(std::string text, size_t limit) {
  if (text.size() <= limit)
    return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text;
}

/// Parses a payload into a JSON object; "" is {}.
result<json> parse_object(const std::string& payload) {
  if (payload.find_first_not_of(" \t\r\n") == std::string::npos)
    return json::object();
  auto doc = json::parse(payload, nullptr, false);
  if (doc.is_discarded())
    return fail<json>("malformed JSON");
  if (!doc.is_object())
    return fail<json>("request must be a JSON object");
  return doc;
}

/// Reads field `name` of `obj` as text. Returns an error message or "".
std::string read_text(const json& obj, const std::string& where,
                      const char* name, std::string& out, bool required,
                      size_t max_bytes) {
  auto i = obj.find(name);
  if (i == obj.end() || i->is_null())
    return required ? where + name + " is required" : "";
  if (!i->is_string())
    return where + name + " must be a string";
  auto value = i->get<std::string>();
  if (required && value.empty())
    return where + name + " must not be empty";
  if (value.size() > max_bytes)
    return where + name + " is longer than " + std::to_string(max_bytes) +
           " bytes";
  if (has_control_chars(value))
    return where + name + " must not contain control characters";
  out = std::move(value);
  return {};
}

/// Reads an integer field bounded by [min, max].
std::string read_int(const json& obj, const std::string& where,
                     const char* name, int64_t& out, bool required, int64_t min,
                     int64_t max) {
  auto i = obj.find(name);
  if (i == obj.end() || i->is_null())
    return required ? where + name + " is required" : "";
  auto range = std::to_string(min) + ".." + std::to_string(max);
  if (!i->is_number_integer())
    return where + name + " must be an integer " + range;
  auto value = i->is_number_unsigned() && i->get<uint64_t>() > INT64_MAX
                   ? INT64_MAX
                   : i->get<int64_t>();
  if (value < min || value > max)
    return where + name + " must be an integer " + range;
  out = value;
  return {};
}

std::string read_uuid(const json& obj, const std::string& where,
                      const char* name, std::string& out) {
  std::string value;
  if (auto err = read_text(obj, where, name, value, true, 64); !err.empty())
    return err;
  if (!is_uuid(value))
    return where + name + " must be a UUID";
  out = lowercase(value);
  return {};
}

std::string read_sha256(const json& obj, const std::string& where,
                        std::string& out) {
  std::string value;
  if (auto err = read_text(obj, where, "sha256", value, false, 64);
      !err.empty())
    return err;
  if (!value.empty() && (value.size() != 64 || !is_hex(value)))
    return where + "sha256 must be 64 hex digits";
  out = lowercase(value);
  return {};
}

bool is_http_url(const std::string& url) {
  auto lower = lowercase(url.substr(0, 8));
  size_t host_start = lower.rfind("https://", 0) == 0  ? 8
                      : lower.rfind("http://", 0) == 0 ? 7
                                                       : 0;
  if (host_start == 0 || url.size() <= host_start)
    return false;
  if (url.find_first_of(" \t") != std::string::npos)
    return false;
  auto c = url[host_start];
  return c != '/' && c != '?' && c != '#';
}

result<wire::source> parse_source(const json& obj, const std::string& where) {
  auto i = obj.find("source");
  if (i == obj.end() || i->is_null())
    return fail<wire::source>(where + "source is required");
  if (!i->is_object())
    return fail<wire::source>(where + "source must be an object");
  auto at = where + "source.";
  wire::source src;
  if (auto err = read_text(*i, at, "provider", src.provider, true, 32);
      !err.empty())
    return fail<wire::source>(err);
  static const char* known[] = {"direct", "hls", "rss", "ytdlp"};
  if (std::find(std::begin(known), std::end(known), src.provider) ==
      std::end(known))
    return fail<wire::source>(at + "provider '" + src.provider +
                              "' is unknown; known: direct, hls, rss, ytdlp");
  if (auto err = read_text(*i, at, "url", src.url, true, max_url_bytes);
      !err.empty())
    return fail<wire::source>(err);
  if (!is_http_url(src.url))
    return fail<wire::source>(
        at + "url must be an http(s) URL with a host for provider " +
        src.provider);
  if (auto err = read_sha256(*i, at, src.sha256); !err.empty())
    return fail<wire::source>(err);
  if (auto err = read_int(*i, at, "size", src.size, false, -1, INT64_MAX);
      !err.empty())
    return fail<wire::source>(err);
  return src;
}

/// "S01E02" -> true (the seed's string form of an episode).
bool looks_like_episode_code(const std::string& text) {
  int s = 0;
  int e = 0;
  char tail = 0;
  return std::sscanf(text.c_str(), "%*[Ss]%d%*[Ee]%d%c", &s, &e, &tail) == 2;
}

result<add_episode> parse_episode(const json& value, size_t index,
                                  const add_command& add,
                                  const path_template& paths) {
  auto where = "episodes[" + std::to_string(index) + "].";
  if (value.is_string()) {
    auto code = value.get<std::string>();
    if (looks_like_episode_code(code))
      return fail<add_episode>("episode " + clip(code, 32) + " has no source");
    return fail<add_episode>(where.substr(0, where.size() - 1) +
                             " must be an object {season, episode, source}");
  }
  if (!value.is_object())
    return fail<add_episode>(where.substr(0, where.size() - 1) +
                             " must be an object {season, episode, source}");
  add_episode ep;
  int64_t season = 0;
  int64_t episode = 0;
  if (auto err = read_int(value, where, "season", season, true, 0, 1000);
      !err.empty())
    return fail<add_episode>(err);
  if (auto err = read_int(value, where, "episode", episode, true, 0, 10000);
      !err.empty())
    return fail<add_episode>(err);
  ep.season = static_cast<int>(season);
  ep.episode = static_cast<int>(episode);
  auto src = parse_source(value, where);
  if (!src)
    return fail<add_episode>(src.error());
  ep.src = std::move(*src);
  auto path =
      paths.render({add.serie_folder, add.serie_name, add.serie_id, ep.season,
                    ep.episode, extension_from_url(ep.src.url)});
  if (!path)
    return fail<add_episode>(where + "target path: " + path.error());
  ep.target_path = std::move(*path);
  return ep;
}

result<command> parse_add(const json& obj, const path_template& paths) {
  add_command add;
  if (auto err =
          read_text(obj, "", "serie_id", add.serie_id, true, max_name_bytes);
      !err.empty())
    return fail<command>(err);
  if (!is_series_key(add.serie_id))
    return fail<command>("serie_id must be a key like 'attack-on-titan' "
                         "(lowercase letters, digits, single hyphens)");
  if (auto err = read_text(obj, "", "serie_folder", add.serie_folder, true,
                           max_name_bytes);
      !err.empty())
    return fail<command>(err);
  if (auto err = read_text(obj, "", "serie_name", add.serie_name, true,
                           max_name_bytes);
      !err.empty())
    return fail<command>(err);
  if (auto i = obj.find("priority"); i != obj.end() && !i->is_null()) {
    auto p = parse_priority(*i);
    if (!p)
      return fail<command>("priority must be high, normal, low or 0..2");
    add.prio = *p;
  }
  auto eps = obj.find("episodes");
  if (eps == obj.end() || !eps->is_array())
    return fail<command>("episodes must be an array");
  if (eps->empty() || eps->size() > max_episodes)
    return fail<command>("episodes must have 1.." +
                         std::to_string(max_episodes) + " entries");
  for (size_t i = 0; i < eps->size(); ++i) {
    auto ep = parse_episode((*eps)[i], i, add, paths);
    if (!ep)
      return fail<command>(ep.error());
    add.episodes.push_back(std::move(*ep));
  }
  return command{std::move(add)};
}

result<std::string> parse_id(const json& obj) {
  std::string id;
  if (auto err = read_uuid(obj, "", "id", id); !err.empty())
    return fail<std::string>(err);
  return id;
}

result<command> parse_priority_command(const json& obj) {
  auto id = parse_id(obj);
  if (!id)
    return fail<command>(id.error());
  auto i = obj.find("priority");
  if (i == obj.end() || i->is_null())
    return fail<command>("priority is required");
  auto p = parse_priority(*i);
  if (!p)
    return fail<command>("priority must be high, normal, low or 0..2");
  return command{priority_command{*id, *p}};
}

result<command> parse_retry(const json& obj) {
  retry_command retry;
  auto i = obj.find("ids");
  if (i == obj.end() || i->is_null())
    return command{retry};
  if (!i->is_array())
    return fail<command>("ids must be an array of item ids");
  if (i->size() > max_retry_ids)
    return fail<command>("ids has more than " + std::to_string(max_retry_ids) +
                         " entries");
  retry.all = false;
  for (size_t k = 0; k < i->size(); ++k) {
    const auto& v = (*i)[k];
    if (!v.is_string() || !is_uuid(v.get<std::string>()))
      return fail<command>("ids[" + std::to_string(k) + "] must be a UUID");
    retry.ids.push_back(lowercase(v.get<std::string>()));
  }
  return command{std::move(retry)};
}

template <class Make>
result<command> with_id(const json& obj, Make make) {
  auto id = parse_id(obj);
  if (!id)
    return fail<command>(id.error());
  return command{make(*id)};
}

result<wire::lease_state> parse_lease_state(const json& value, size_t index) {
  auto where = "jobs[" + std::to_string(index) + "].";
  if (!value.is_object())
    return fail<wire::lease_state>(where.substr(0, where.size() - 1) +
                                   " must be an object");
  wire::lease_state s;
  std::string err;
  if (err.empty())
    err = read_uuid(value, where, "id", s.id);
  if (err.empty())
    err = read_uuid(value, where, "lease_token", s.lease_token);
  if (err.empty())
    err =
        read_int(value, where, "bytes_done", s.bytes_done, false, 0, INT64_MAX);
  if (err.empty())
    err = read_int(value, where, "bytes_total", s.bytes_total, false, -1,
                   INT64_MAX);
  if (err.empty())
    err = read_int(value, where, "speed_bps", s.speed_bps, false, 0, INT64_MAX);
  if (err.empty())
    err = read_text(value, where, "validator", s.validator, false,
                    max_validator_bytes);
  if (!err.empty())
    return fail<wire::lease_state>(err);
  return s;
}

bool is_outcome(const std::string& text) {
  static const char* outcomes[] = {"commit", "completed", "failed",
                                   "paused", "cancelled", "released"};
  return std::find(std::begin(outcomes), std::end(outcomes), text) !=
         std::end(outcomes);
}

} // namespace

std::string action_name(const command& cmd) {
  struct visitor {
    std::string operator()(const add_command&) const {
      return "add";
    }
    std::string operator()(const status_command&) const {
      return "status";
    }
    std::string operator()(const get_command&) const {
      return "get";
    }
    std::string operator()(const remove_command&) const {
      return "remove";
    }
    std::string operator()(const switch_command& c) const {
      switch (c.action) {
      case queue_switch::start:
        return "start";
      case queue_switch::stop:
        return "stop";
      case queue_switch::pause:
        return "pause";
      case queue_switch::resume:
        return "resume";
      }
      return "start";
    }
    std::string operator()(const item_command& c) const {
      switch (c.action) {
      case item_action::pause:
        return "pause_item";
      case item_action::resume:
        return "resume_item";
      case item_action::cancel:
        return "cancel_item";
      }
      return "pause_item";
    }
    std::string operator()(const priority_command&) const {
      return "set_priority";
    }
    std::string operator()(const retry_command&) const {
      return "retry";
    }
    std::string operator()(const clear_command&) const {
      return "clear_completed";
    }
    std::string operator()(const wire::claim_request&) const {
      return "claim";
    }
    std::string operator()(const wire::heartbeat&) const {
      return "heartbeat";
    }
    std::string operator()(const wire::report& r) const {
      return "report_" + r.outcome;
    }
    std::string operator()(const reap_command&) const {
      return "reap";
    }
    std::string operator()(const snapshot_command&) const {
      return "snapshot";
    }
    std::string operator()(const discard_done_command&) const {
      return "discarded";
    }
  };
  return std::visit(visitor{}, cmd);
}

result<command> parse_queue_command(const std::string& op,
                                    const std::string& payload,
                                    const path_template& paths) {
  auto doc = parse_object(payload);
  if (!doc)
    return fail<command>(doc.error());
  const auto& obj = *doc;
  if (op == "add")
    return parse_add(obj, paths);
  if (op == "status")
    return command{status_command{}};
  if (op == "get")
    return with_id(obj,
                   [](std::string id) { return get_command{std::move(id)}; });
  if (op == "remove")
    return with_id(
        obj, [](std::string id) { return remove_command{std::move(id)}; });
  if (op == "start" || op == "stop" || op == "pause" || op == "resume") {
    auto action = op == "start"   ? queue_switch::start
                  : op == "stop"  ? queue_switch::stop
                  : op == "pause" ? queue_switch::pause
                                  : queue_switch::resume;
    return command{switch_command{action}};
  }
  if (op == "pause_item" || op == "resume_item" || op == "cancel_item") {
    auto action = op == "pause_item"    ? item_action::pause
                  : op == "resume_item" ? item_action::resume
                                        : item_action::cancel;
    return with_id(obj, [action](std::string id) {
      return item_command{action, std::move(id)};
    });
  }
  if (op == "set_priority")
    return parse_priority_command(obj);
  if (op == "retry")
    return parse_retry(obj);
  if (op == "clear_completed")
    return command{clear_command{}};
  return fail<command>("unknown queue command '" + clip(op, 64) + "'");
}

result<wire::claim_request> parse_claim(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return fail<wire::claim_request>(doc.error());
  wire::claim_request req;
  int64_t slots = 1;
  auto err = read_text(*doc, "", "worker", req.worker, true, max_name_bytes);
  if (err.empty())
    err = read_int(*doc, "", "slots", slots, false, 1, max_slots);
  if (!err.empty())
    return fail<wire::claim_request>(err);
  req.slots = static_cast<int>(slots);
  return req;
}

result<wire::heartbeat> parse_heartbeat(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return fail<wire::heartbeat>(doc.error());
  wire::heartbeat hb;
  if (auto err = read_text(*doc, "", "worker", hb.worker, true, max_name_bytes);
      !err.empty())
    return fail<wire::heartbeat>(err);
  auto jobs = doc->find("jobs");
  if (jobs == doc->end() || jobs->is_null())
    return hb;
  if (!jobs->is_array() || jobs->size() > max_heartbeat_jobs)
    return fail<wire::heartbeat>("jobs must be an array of at most " +
                                 std::to_string(max_heartbeat_jobs) +
                                 " entries");
  for (size_t i = 0; i < jobs->size(); ++i) {
    auto s = parse_lease_state((*jobs)[i], i);
    if (!s)
      return fail<wire::heartbeat>(s.error());
    hb.jobs.push_back(std::move(*s));
  }
  return hb;
}

result<wire::report> parse_report(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return fail<wire::report>(doc.error());
  const auto& obj = *doc;
  wire::report r;
  std::string err = read_uuid(obj, "", "id", r.id);
  if (err.empty())
    err = read_uuid(obj, "", "lease_token", r.lease_token);
  if (err.empty())
    err = read_text(obj, "", "worker", r.worker, false, max_name_bytes);
  if (err.empty())
    err = read_text(obj, "", "outcome", r.outcome, true, 32);
  if (err.empty() && !is_outcome(r.outcome))
    err = "outcome must be commit, completed, failed, paused, cancelled or "
          "released";
  if (err.empty())
    err = read_int(obj, "", "bytes_done", r.bytes_done, false, 0, INT64_MAX);
  if (err.empty())
    err = read_int(obj, "", "bytes_total", r.bytes_total, false, -1, INT64_MAX);
  if (err.empty())
    err = read_text(obj, "", "validator", r.validator, false,
                    max_validator_bytes);
  if (err.empty())
    err = read_sha256(obj, "", r.sha256);
  if (err.empty()) {
    auto t = obj.find("transient");
    if (t != obj.end() && !t->is_null() && !t->is_boolean())
      err = "transient must be a boolean";
    else if (t != obj.end() && t->is_boolean())
      r.transient = t->get<bool>();
  }
  if (!err.empty())
    return fail<wire::report>(err);
  if (auto e = obj.find("error"); e != obj.end() && e->is_string())
    r.error = clip(e->get<std::string>(), max_error_bytes);
  else if (e != obj.end() && !e->is_null())
    return fail<wire::report>("error must be a string");
  return r;
}

} // namespace kumo::queue
