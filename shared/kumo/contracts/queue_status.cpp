#include "kumo/contracts/queue_status.hpp"

#include <cstdio>
#include <ctime>

namespace kumo::contracts {

namespace {

using json = nlohmann::json;

constexpr const char* cursor_prefix = "c1.";

field_error refuse(const std::string& path, const std::string& problem) {
  return {path, path + " " + problem};
}

bool is_hex_text(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 &&
         s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string to_hex(const std::string& raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

/// True for a real UTC instant written as YYYY-MM-DDTHH:MM:SS.ffffffZ.
bool is_utc_micros(const std::string& t) {
  int y, mo, d, h, mi, s, us;
  char tail = 0;
  if (t.size() != 27 || std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%c",
                                    &y, &mo, &d, &h, &mi, &s, &us, &tail) != 7)
    return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  auto when = timegm(&tm);
  std::tm back{};
  gmtime_r(&when, &back);
  char again[32];
  std::snprintf(again, sizeof again, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                back.tm_year + 1900, back.tm_mon + 1, back.tm_mday,
                back.tm_hour, back.tm_min, back.tm_sec, us);
  return y >= 1970 && y <= 9999 && t == again;
}

std::optional<status_list> list_by_key(const std::string& key) {
  for (auto list : all_status_lists)
    if (key == reply_key(list))
      return list;
  return std::nullopt;
}

} // namespace

const char* reply_key(status_list list) {
  static const char* keys[] = {"active_downloads", "pending_queue",
                               "paused_downloads", "completed_downloads",
                               "failed_downloads"};
  return keys[static_cast<int>(list)];
}

const char* short_name(status_list list) {
  static const char* names[] = {"active", "pending", "paused", "completed",
                                "failed"};
  return names[static_cast<int>(list)];
}

const char* item_status_of(status_list list) {
  static const char* names[] = {"downloading", "pending", "paused", "completed",
                                "failed"};
  return names[static_cast<int>(list)];
}

std::string encode_cursor(const status_cursor& c) {
  return cursor_prefix + to_hex(std::to_string(c.rank) + "|" + c.queued_at +
                                "|" + std::to_string(c.seq));
}

parsed<status_cursor> decode_cursor(const std::string& text,
                                    const std::string& path) {
  auto bad = refuse(path, "is not a cursor this queue handed out");
  if (text.size() > status_limits::max_cursor_bytes ||
      text.rfind(cursor_prefix, 0) != 0)
    return bad;
  auto hex = text.substr(3);
  if (!is_hex_text(hex))
    return bad;
  auto plain = from_hex(hex);
  auto bar1 = plain.find('|');
  auto bar2 = plain.find('|', bar1 == std::string::npos ? 0 : bar1 + 1);
  if (bar1 != 1 || bar2 == std::string::npos)
    return bad;
  status_cursor c;
  if (plain[0] < '0' || plain[0] > '2')
    return bad;
  c.rank = plain[0] - '0';
  c.queued_at = plain.substr(bar1 + 1, bar2 - bar1 - 1);
  auto seq = plain.substr(bar2 + 1);
  if (!is_utc_micros(c.queued_at) || seq.empty() || seq.size() > 18 ||
      seq[0] == '0' || seq.find_first_not_of("0123456789") != std::string::npos)
    return bad;
  c.seq = std::stoll(seq);
  return c;
}

parsed<status_request> parse_status(const json& body) {
  if (!body.is_object())
    return field_error{"", "body must be a JSON object"};
  status_request out;
  auto limit = read_int(body, "", "limit", 1, status_limits::max_limit,
                        status_limits::default_limit);
  if (!limit)
    return limit.error();
  out.limit = *limit;
  auto cursors = body.find("cursors");
  if (cursors == body.end() || cursors->is_null())
    return out;
  if (!cursors->is_object() || cursors->size() > all_status_lists.size())
    return refuse("cursors", "must be an object of list names to cursors");
  for (const auto& [key, value] : cursors->items()) {
    auto list = list_by_key(key);
    auto path = "cursors." + key.substr(0, 32);
    if (!list)
      return refuse(path, "names no list of the status reply");
    if (!value.is_string())
      return refuse(path, "must be a string");
    auto c = decode_cursor(value.get<std::string>(), path);
    if (!c)
      return c.error();
    out.after[*list] = *c;
  }
  return out;
}

parsed<status_request>
parse_status_query(const std::multimap<std::string, std::string>& params) {
  json body = json::object();
  if (params.count("limit") > 1)
    return refuse("limit", "is given more than once");
  if (auto i = params.find("limit"); i != params.end()) {
    const auto& text = i->second;
    if (text.empty() || text.size() > 6 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return refuse("limit", "must be an integer between 1 and " +
                                 std::to_string(status_limits::max_limit));
    body["limit"] = std::stoll(text);
  }
  for (auto list : all_status_lists) {
    auto name = std::string{short_name(list)} + "_cursor";
    if (params.count(name) > 1)
      return refuse(name, "is given more than once");
    if (auto i = params.find(name); i != params.end()) {
      auto c = decode_cursor(i->second, name);
      if (!c)
        return c.error();
      body["cursors"][reply_key(list)] = i->second;
    }
  }
  return parse_status(body);
}

json to_json(const status_request& req) {
  json out = json::object();
  if (req.limit != status_limits::default_limit)
    out["limit"] = req.limit;
  for (const auto& [list, cursor] : req.after)
    out["cursors"][reply_key(list)] = encode_cursor(cursor);
  return out;
}

} // namespace kumo::contracts
