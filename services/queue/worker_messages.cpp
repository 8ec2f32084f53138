// Parsing of the worker messages (claim, heartbeat, report) the queue
// receives from downloaders.

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
constexpr size_t max_validator_bytes = 1024;
constexpr size_t max_error_bytes = 2000;
constexpr size_t max_heartbeat_jobs = 1000;
constexpr int max_slots = 100;
constexpr size_t max_provider_bytes = 32;
constexpr int64_t max_response_ms = int64_t{7} * 24 * 3600 * 1000;

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
    return invalid("malformed JSON");
  if (!doc.is_object())
    return invalid("request must be a JSON object");
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

result<wire::lease_state> parse_lease_state(const json& value, size_t index) {
  auto where = "jobs[" + std::to_string(index) + "].";
  if (!value.is_object())
    return invalid(where.substr(0, where.size() - 1) + " must be an object");
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
    return invalid(err);
  return s;
}

/// The optional source_outcome of a report.
std::string read_source_outcome(const json& obj,
                                std::optional<wire::source_outcome>& out) {
  auto i = obj.find("source_outcome");
  if (i == obj.end() || i->is_null())
    return {};
  if (!i->is_object())
    return "source_outcome must be an object";
  const std::string where = "source_outcome.";
  wire::source_outcome o;
  auto err =
      read_text(*i, where, "provider", o.provider, true, max_provider_bytes);
  if (err.empty()) {
    auto ok = i->find("ok");
    if (ok == i->end() || !ok->is_boolean())
      err = where + "ok must be a boolean";
    else
      o.ok = ok->get<bool>();
  }
  if (err.empty())
    err = read_int(*i, where, "response_ms", o.response_ms, false, 0,
                   max_response_ms);
  if (err.empty())
    err = read_int(*i, where, "bytes", o.bytes, false, 0, INT64_MAX);
  if (err.empty()) {
    auto e = i->find("error");
    if (e != i->end() && e->is_string())
      o.error = clip(e->get<std::string>(), max_error_bytes);
    else if (e != i->end() && !e->is_null())
      err = where + "error must be a string";
  }
  if (err.empty())
    out = std::move(o);
  return err;
}

bool is_outcome(const std::string& text) {
  static const char* outcomes[] = {"commit", "completed", "failed",
                                   "paused", "cancelled", "released"};
  return std::find(std::begin(outcomes), std::end(outcomes), text) !=
         std::end(outcomes);
}

} // namespace

result<wire::claim_request> parse_claim(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return doc.error();
  wire::claim_request req;
  int64_t slots = 1;
  auto err = read_text(*doc, "", "worker", req.worker, true, max_name_bytes);
  if (err.empty())
    err = read_int(*doc, "", "slots", slots, false, 1, max_slots);
  if (!err.empty())
    return invalid(err);
  if (auto d = doc->find("disk_recovered"); d != doc->end() && !d->is_null()) {
    if (!d->is_boolean())
      return invalid("disk_recovered must be a boolean");
    req.disk_recovered = d->get<bool>();
  }
  req.slots = static_cast<int>(slots);
  return req;
}

result<wire::heartbeat> parse_heartbeat(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return doc.error();
  wire::heartbeat hb;
  if (auto err = read_text(*doc, "", "worker", hb.worker, true, max_name_bytes);
      !err.empty())
    return invalid(err);
  auto jobs = doc->find("jobs");
  if (jobs == doc->end() || jobs->is_null())
    return hb;
  if (!jobs->is_array() || jobs->size() > max_heartbeat_jobs)
    return invalid("jobs must be an array of at most " +
                   std::to_string(max_heartbeat_jobs) + " entries");
  for (size_t i = 0; i < jobs->size(); ++i) {
    auto s = parse_lease_state((*jobs)[i], i);
    if (!s)
      return s.error();
    hb.jobs.push_back(std::move(*s));
  }
  return hb;
}

result<wire::report> parse_report(const std::string& payload) {
  auto doc = parse_object(payload);
  if (!doc)
    return doc.error();
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
  if (err.empty())
    err = read_source_outcome(obj, r.source_outcome);
  if (err.empty())
    err = read_text(obj, "", "reason", r.reason, false, 32);
  if (err.empty() && !r.reason.empty() && r.reason != "disk_full")
    err = "reason must be disk_full or absent";
  if (err.empty()) {
    auto t = obj.find("transient");
    if (t != obj.end() && !t->is_null() && !t->is_boolean())
      err = "transient must be a boolean";
    else if (t != obj.end() && t->is_boolean())
      r.transient = t->get<bool>();
  }
  if (!err.empty())
    return invalid(err);
  if (auto e = obj.find("error"); e != obj.end() && e->is_string())
    r.error = clip(e->get<std::string>(), max_error_bytes);
  else if (e != obj.end() && !e->is_null())
    return invalid("error must be a string");
  return r;
}

} // namespace kumo::queue
