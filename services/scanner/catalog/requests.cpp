#include "catalog/requests.hpp"

#include "catalog/catalog_plan.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <set>

namespace kumo::scanner {

namespace {

using json = nlohmann::json;

constexpr std::array<const char*, 15> op_names{
    "series_list",   "series_get",     "series_add",     "series_update",
    "series_delete", "rescan",         "scan_status",    "scan_cancel",
    "unmatched",     "import_legacy",  "refresh",        "download",
    "usage",         "series_history", "episode_sources"};

/// At most this many episodes in one download request.
constexpr std::size_t max_download_episodes = 1000;

bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

/// Reads the fields of one request object; the first problem sticks.
class reader {
public:
  reader(const json& body, request_error& error) : body_(body), error_(error) {}

  bool failed() const {
    return failed_;
  }
  bool has(const char* field) const {
    return body_.contains(field);
  }

  /// Refuses any field not in `allowed`.
  void only(std::initializer_list<const char*> allowed) {
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& item : body_.items())
      if (ok.count(item.key()) == 0)
        return fail(item.key(), "unknown field");
  }

  std::optional<std::string> text(const char* field, std::size_t min,
                                  std::size_t max) {
    if (failed_ || !has(field))
      return std::nullopt;
    const auto& v = body_.at(field);
    if (!v.is_string())
      return fail(field, "must be a string"), std::nullopt;
    auto s = v.get<std::string>();
    if (s.size() < min || s.size() > max)
      return fail(field, "must be " + std::to_string(min) + "–" +
                             std::to_string(max) + " bytes long"),
             std::nullopt;
    if (!valid_utf8(s))
      return fail(field, "must be valid UTF-8"), std::nullopt;
    return s;
  }

  std::optional<bool> boolean(const char* field) {
    if (failed_ || !has(field))
      return std::nullopt;
    const auto& v = body_.at(field);
    if (!v.is_boolean())
      return fail(field, "must be true or false"), std::nullopt;
    return v.get<bool>();
  }

  std::optional<int> integer(const char* field, int min, int max) {
    if (failed_ || !has(field))
      return std::nullopt;
    const auto& v = body_.at(field);
    if (!v.is_number_integer() || v.get<std::int64_t>() < min ||
        v.get<std::int64_t>() > max)
      return fail(field, "must be an integer from " + std::to_string(min) +
                             " to " + std::to_string(max)),
             std::nullopt;
    return static_cast<int>(v.get<std::int64_t>());
  }

  std::optional<std::string> choice(const char* field,
                                    std::initializer_list<const char*> ok) {
    auto s = text(field, 1, 20);
    if (!s)
      return s;
    for (const char* c : ok)
      if (*s == c)
        return s;
    std::string list;
    for (const char* c : ok)
      list += (list.empty() ? "" : "|") + std::string(c);
    return fail(field, "must be one of " + list), std::nullopt;
  }

  request_error* error() const {
    return &error_;
  }

  void fail(const std::string& field, std::string message) {
    if (failed_)
      return;
    failed_ = true;
    error_ = {field, std::move(message)};
  }

private:
  const json& body_;
  request_error& error_;
  bool failed_ = false;
};

void read_key(reader& r, scanner_request& req, bool required) {
  auto key = r.text("key", 1, 100);
  if (r.failed())
    return;
  if (!key) {
    if (required)
      r.fail("key", "required");
    return;
  }
  if (!valid_key(*key))
    return r.fail("key", "must be a slug: lower-case letters and digits "
                         "joined by single '-'");
  req.key = *key;
}

void read_year(reader& r, const json& body, series_fields& f) {
  if (!body.contains("year") || r.failed())
    return;
  if (body.at("year").is_null()) {
    f.year = std::optional<int>{};
    return;
  }
  if (auto y = r.integer("year", 1880, 2199))
    f.year = y;
}

void read_check_interval(reader& r, const json& body, series_fields& f) {
  if (!body.contains("check_interval_s") || r.failed())
    return;
  if (body.at("check_interval_s").is_null()) {
    f.check_interval_s = std::optional<int>{};
    return;
  }
  if (auto s = r.integer("check_interval_s", 60, 30 * 86400))
    f.check_interval_s = s;
}

/// "retention": {"keep_last": 1..10000} or null (keep every episode).
void read_retention(reader& r, const json& body, series_fields& f) {
  if (!body.contains("retention") || r.failed())
    return;
  const auto& v = body.at("retention");
  if (v.is_null()) {
    f.keep_last = std::optional<int>{};
    return;
  }
  if (!v.is_object() || v.size() != 1 || !v.contains("keep_last"))
    return r.fail("retention", R"(must be {"keep_last": N} or null)");
  reader inner(v, *r.error());
  auto n = inner.integer("keep_last", 1, 10000);
  if (inner.failed())
    return r.fail("retention.keep_last", r.error()->message);
  f.keep_last = n;
}

void read_series_fields(reader& r, const json& body, series_fields& f) {
  f.name = r.text("name", 1, 500);
  read_year(r, body, f);
  read_check_interval(r, body, f);
  f.site = r.text("site", 0, 100);
  f.link = r.text("link", 0, 2000);
  f.monitored = r.boolean("monitored");
  read_retention(r, body, f);
  if (f.link && !f.link->empty() && f.link->rfind("https://", 0) != 0 &&
      f.link->rfind("http://", 0) != 0)
    r.fail("link", "must be an http:// or https:// URL");
}

void parse_add(reader& r, const json& body, scanner_request& req) {
  if (r.has("from_unmatched")) {
    r.only({"from_unmatched", "root"});
    auto folder = r.text("from_unmatched", 1, 255);
    if (folder && !valid_folder(*folder))
      r.fail("from_unmatched", "must be one folder name");
    auto root = r.text("root", 1, 4096);
    if (!r.failed()) {
      req.from_unmatched = *folder;
      req.root = root.value_or("");
    }
    return;
  }
  r.only({"name", "year", "folder", "key", "site", "link", "monitored",
          "check_interval_s"});
  read_series_fields(r, body, req.fields);
  req.fields.folder = r.text("folder", 1, 255);
  if (req.fields.folder && !valid_folder(*req.fields.folder))
    r.fail("folder", "must be one folder name (no '/', '.', '..' or "
                     "control characters)");
  read_key(r, req, false);
  if (!r.failed() && !req.fields.name)
    r.fail("name", "required");
  if (!req.key.empty())
    req.fields.key = req.key;
}

void parse_update(reader& r, const json& body, scanner_request& req) {
  r.only({"key", "name", "year", "monitored", "site", "link",
          "check_interval_s", "retention"});
  read_key(r, req, true);
  read_series_fields(r, body, req.fields);
  const auto& f = req.fields;
  if (!r.failed() && !f.name && !f.year && !f.site && !f.link && !f.monitored &&
      !f.check_interval_s && !f.keep_last)
    r.fail("", "give at least one of name, year, monitored, site, link, "
               "check_interval_s, retention");
}

void parse_list(reader& r, scanner_request& req) {
  r.only({"q", "monitored", "has_missing", "sort", "order", "limit", "offset"});
  auto& l = req.list;
  l.q = r.text("q", 0, 200).value_or("");
  l.monitored = r.boolean("monitored");
  l.has_missing = r.boolean("has_missing");
  l.sort = r.choice("sort", {"name", "year", "added", "updated", "missing"})
               .value_or("name");
  l.descending = r.choice("order", {"asc", "desc"}).value_or("asc") == "desc";
  l.limit = r.integer("limit", 1, 200).value_or(50);
  l.offset = r.integer("offset", 0, 1'000'000).value_or(0);
}

/// {"key", "episodes"?: [{"season", "episode"}, ...]}: each pair once.
void parse_download(reader& r, const json& body, scanner_request& req) {
  r.only({"key", "episodes"});
  read_key(r, req, true);
  if (r.failed() || !body.contains("episodes"))
    return;
  const auto& list = body.at("episodes");
  if (!list.is_array() || list.empty() || list.size() > max_download_episodes)
    return r.fail("episodes", "must be an array of 1–" +
                                  std::to_string(max_download_episodes) +
                                  R"( {"season", "episode"} objects)");
  std::set<std::pair<int, int>> seen;
  for (std::size_t i = 0; i < list.size() && !r.failed(); ++i) {
    auto field = "episodes[" + std::to_string(i) + "]";
    const auto& ep = list.at(i);
    if (!ep.is_object() || ep.size() != 2 || !ep.contains("season") ||
        !ep.contains("episode"))
      return r.fail(field, R"(must be {"season": S, "episode": E})");
    reader one(ep, *r.error());
    auto season = one.integer("season", 0, 1000);
    auto number = one.integer("episode", 0, 10000);
    if (one.failed())
      return r.fail(field + "." + r.error()->field, r.error()->message);
    if (!seen.emplace(*season, *number).second)
      return r.fail(field, "repeats an episode");
    req.episodes.emplace_back(*season, *number);
  }
}

void parse_body(reader& r, const json& body, scanner_request& req) {
  switch (req.kind) {
  case op::series_list:
    return parse_list(r, req);
  case op::series_get:
    r.only({"key"});
    return read_key(r, req, true);
  case op::series_add:
    return parse_add(r, body, req);
  case op::series_update:
    return parse_update(r, body, req);
  case op::series_delete:
    r.only({"key", "delete_files"});
    read_key(r, req, true);
    req.delete_files = r.boolean("delete_files").value_or(false);
    return;
  case op::rescan:
    r.only({"key"});
    return read_key(r, req, false);
  case op::refresh:
    r.only({"key"});
    return read_key(r, req, true);
  case op::download:
  case op::episode_sources:
    return parse_download(r, body, req);
  case op::series_history:
    r.only({"key", "limit"});
    read_key(r, req, true);
    req.history_limit = r.integer("limit", 1, 500).value_or(50);
    return;
  default:
    return r.only({});
  }
}

} // namespace

const char* op_name(op o) {
  return op_names.at(static_cast<std::size_t>(o));
}

std::optional<scanner_request> parse_request(std::string_view op_text,
                                             std::string_view body,
                                             request_error& error) {
  scanner_request req;
  bool known = false;
  for (std::size_t i = 0; i < op_names.size(); ++i)
    if (op_text == op_names.at(i)) {
      req.kind = static_cast<op>(i);
      known = true;
    }
  if (!known) {
    error = {"op", "unknown operation '" + std::string(op_text) + "'"};
    return std::nullopt;
  }
  auto doc =
      json::parse(body.empty() ? std::string_view("{}") : body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = {"", "the request body must be a JSON object"};
    return std::nullopt;
  }
  reader r(doc, error);
  parse_body(r, doc, req);
  if (r.failed())
    return std::nullopt;
  return req;
}

} // namespace kumo::scanner
