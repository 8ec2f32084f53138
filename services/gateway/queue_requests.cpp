#include "queue_requests.hpp"

#include "kumo/validate.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <utility>

namespace kumo::gateway {

namespace {

using json = nlohmann::json;
namespace lim = queue_limits;

/// Thrown inside this file only, caught at the check_* boundary: lets the
/// field checks read straight down instead of threading errors through.
struct bad_field {
  std::string message;
};

[[noreturn]] void fail(std::string message) {
  throw bad_field{std::move(message)};
}

/// True for an integer JSON number in [min, max].
bool integer_in(const json& v, int64_t min, int64_t max) {
  if (!v.is_number_integer())
    return false;
  if (v.is_number_unsigned())
    return v.get<uint64_t>() <= static_cast<uint64_t>(max);
  return v.get<int64_t>() >= min && v.get<int64_t>() <= max;
}

json parse_object(const std::string& body, bool empty_is_object) {
  if (empty_is_object && body.find_first_not_of(" \t\r\n") == std::string::npos)
    return json::object();
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    fail("body is not valid JSON");
  if (!doc.is_object())
    fail("body must be a JSON object");
  return doc;
}

const json* field(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::string text_field(const json& obj, const char* name,
                       const std::string& where, size_t max_bytes) {
  auto* v = field(obj, name);
  if (!v)
    fail(where + " is required");
  if (!v->is_string())
    fail(where + " must be a string");
  auto s = v->get<std::string>();
  if (s.empty())
    fail(where + " must not be empty");
  if (s.size() > max_bytes)
    fail(where + " is longer than " + std::to_string(max_bytes) + " bytes");
  if (has_control_chars(s))
    fail(where + " must not contain control characters");
  return s;
}

int int_field(const json& obj, const char* name, const std::string& where,
              int min, int max) {
  auto* v = field(obj, name);
  if (!v)
    fail(where + " is required");
  if (!v->is_number_integer())
    fail(where + " must be an integer");
  if (!integer_in(*v, min, max))
    fail(where + " must be between " + std::to_string(min) + " and " +
         std::to_string(max));
  return v->get<int>();
}

std::string folder_field(const json& obj) {
  auto folder =
      text_field(obj, "serie_folder", "serie_folder", lim::max_text_bytes);
  if (folder == "." || folder == ".." ||
      folder.find_first_of("/\\") != std::string::npos)
    fail("serie_folder must be a single folder name (no '/', '\\', '.' or "
         "'..')");
  return folder;
}

std::string priority_value(const json& v) {
  static const char* by_number[] = {"low", "normal", "high"};
  if (v.is_string()) {
    auto s = v.get<std::string>();
    if (s == "high" || s == "normal" || s == "low")
      return s;
  } else if (integer_in(v, 0, 2)) {
    return by_number[v.get<int>()];
  }
  fail(R"(priority must be "high", "normal" or "low" (or 2, 1, 0))");
}

std::string episode_label(int season, int episode) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S%02dE%02d", season, episode);
  return buf;
}

bool looks_like_episode_code(const std::string& s) {
  if (s.size() < 4 || s.size() > 12 || (s[0] != 'S' && s[0] != 's'))
    return false;
  auto e = s.find_first_of("Ee");
  if (e == std::string::npos || e < 2 || e + 1 >= s.size())
    return false;
  auto digits = [](const std::string& part) {
    return std::all_of(part.begin(), part.end(),
                       [](unsigned char c) { return std::isdigit(c); });
  };
  return digits(s.substr(1, e - 1)) && digits(s.substr(e + 1));
}

json source_value(const json& ep, const std::string& where,
                  const std::string& label) {
  auto* src = field(ep, "source");
  if (!src)
    fail("episode " + label + " has no source");
  if (!src->is_object())
    fail(where + ".source must be an object {provider, url}");
  json out;
  auto provider = text_field(*src, "provider", where + ".source.provider",
                             lim::max_provider_bytes);
  if (!is_series_key(provider))
    fail(where + ".source.provider must be a provider name such as \"direct\"");
  out["provider"] = provider;
  auto url = text_field(*src, "url", where + ".source.url", lim::max_url_bytes);
  if (auto problem = url_problem(url))
    fail(where + ".source.url " + *problem);
  out["url"] = url;
  if (auto* sha = field(*src, "sha256"); sha && !sha->is_null()) {
    auto text = sha->is_string() ? sha->get<std::string>() : std::string{"?"};
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    if (text.size() != 64 ||
        text.find_first_not_of("0123456789abcdef") != std::string::npos)
      fail(where + ".source.sha256 must be 64 hexadecimal characters");
    out["sha256"] = text;
  }
  if (auto* size = field(*src, "size"); size && !size->is_null()) {
    if (!integer_in(*size, 0, int64_t{1} << 53))
      fail(where + ".source.size must be a non-negative integer (bytes)");
    out["size"] = size->get<int64_t>();
  }
  return out;
}

json episode_value(const json& ep, size_t index) {
  auto where = "episodes[" + std::to_string(index) + "]";
  if (ep.is_string()) {
    auto s = ep.get<std::string>();
    if (looks_like_episode_code(s))
      fail("episode " + s + " has no source");
    fail(where + " must be an object {season, episode, source}");
  }
  if (!ep.is_object())
    fail(where + " must be an object {season, episode, source}");
  int season = int_field(ep, "season", where + ".season", 0, lim::max_season);
  int episode =
      int_field(ep, "episode", where + ".episode", 0, lim::max_episode);
  auto label = episode_label(season, episode);
  return {{"season", season},
          {"episode", episode},
          {"source", source_value(ep, where, label)}};
}

json episodes_value(const json& obj) {
  auto* eps = field(obj, "episodes");
  if (!eps)
    fail("episodes is required");
  if (!eps->is_array())
    fail("episodes must be an array");
  if (eps->empty())
    fail("episodes must not be empty");
  if (eps->size() > lim::max_episodes)
    fail("episodes has more than " + std::to_string(lim::max_episodes) +
         " entries");
  json out = json::array();
  std::set<std::pair<int, int>> seen;
  for (size_t i = 0; i < eps->size(); ++i) {
    auto ep = episode_value((*eps)[i], i);
    std::pair<int, int> id{ep["season"].get<int>(), ep["episode"].get<int>()};
    if (!seen.insert(id).second)
      fail("episode " + episode_label(id.first, id.second) +
           " is listed more than once");
    out.push_back(std::move(ep));
  }
  return out;
}

std::string uuid_value(const json& v, const std::string& where) {
  if (!v.is_string() || !is_uuid(v.get<std::string>()))
    fail(where + " must be a UUID");
  auto s = v.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

template <class F>
checked_request guarded(F&& build) {
  try {
    return checked_request::valid(build());
  } catch (const bad_field& e) {
    return checked_request::invalid(e.message);
  } catch (const json::exception&) {
    return checked_request::invalid("body has an unexpected shape");
  }
}

std::optional<std::string> host_problem(const std::string& authority) {
  std::string host = authority;
  std::string port;
  if (!host.empty() && host[0] == '[') {
    auto close = host.find(']');
    if (close == std::string::npos || close == 1)
      return "has a malformed IPv6 host";
    if (host.find_first_not_of("0123456789abcdefABCDEF:.", 1) != close)
      return "has a malformed IPv6 host";
    port = host.substr(close + 1);
    if (!port.empty() && port[0] != ':')
      return "has a malformed host";
    host = host.substr(0, close + 1);
  } else if (auto colon = host.find(':'); colon != std::string::npos) {
    port = host.substr(colon);
    host = host.substr(0, colon);
  }
  if (host.empty())
    return "has no host";
  if (host[0] != '[' &&
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
          std::string::npos)
    return "has invalid characters in its host";
  if (!port.empty()) {
    auto digits = port.substr(1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(digits) < 1 || std::stoi(digits) > 65535)
      return "has an invalid port";
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> url_problem(const std::string& url) {
  if (url.size() > lim::max_url_bytes)
    return "is longer than " + std::to_string(lim::max_url_bytes) + " bytes";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f || c == '\\')
      return std::string{"must be printable ASCII without spaces or "
                         "backslashes (percent-encode other characters)"};
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return "must start with http:// or https://";
  auto scheme = url.substr(0, sep);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "http" && scheme != "https")
    return "must use the http or https scheme";
  auto rest = url.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos)
    return "must not contain credentials (user@host)";
  return host_problem(authority);
}

checked_request check_add(const std::string& body) {
  return guarded([&] {
    auto doc = parse_object(body, false);
    auto key = text_field(doc, "serie_id", "serie_id", lim::max_text_bytes);
    if (!is_series_key(key))
      fail("serie_id must be a series key: lowercase letters and digits "
           "joined by single hyphens, e.g. \"attack-on-titan\"");
    json out{{"serie_id", key},
             {"serie_folder", folder_field(doc)},
             {"serie_name",
              text_field(doc, "serie_name", "serie_name", lim::max_text_bytes)},
             {"priority", "normal"}};
    if (auto* p = field(doc, "priority"); p && !p->is_null())
      out["priority"] = priority_value(*p);
    out["episodes"] = episodes_value(doc);
    return out;
  });
}

checked_request check_id(const std::string& id) {
  return guarded([&] { return json{{"id", uuid_value(json(id), "id")}}; });
}

checked_request check_priority(const std::string& id, const std::string& body) {
  return guarded([&] {
    auto out = json{{"id", uuid_value(json(id), "id")}};
    auto doc = parse_object(body, false);
    auto* p = field(doc, "priority");
    if (!p)
      fail("priority is required");
    out["priority"] = priority_value(*p);
    return out;
  });
}

checked_request check_retry(const std::string& body) {
  return guarded([&] {
    auto doc = parse_object(body, true);
    auto* ids = field(doc, "ids");
    if (!ids || ids->is_null())
      return json::object();
    if (!ids->is_array())
      fail("ids must be an array of UUIDs");
    if (ids->size() > lim::max_ids)
      fail("ids has more than " + std::to_string(lim::max_ids) + " entries");
    json out = json::array();
    for (size_t i = 0; i < ids->size(); ++i)
      out.push_back(uuid_value((*ids)[i], "ids[" + std::to_string(i) + "]"));
    return json{{"ids", out}};
  });
}

int status_for_error_code(const std::string& code) {
  if (code == "invalid_argument")
    return 400;
  if (code == "not_found")
    return 404;
  if (code == "conflict")
    return 409;
  if (code == "unavailable" || code == "timeout" || code == "no_responders")
    return 503;
  return 500;
}

http_answer answer_from_reply(const std::string& reply, int success_status) {
  auto doc = json::parse(reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return {502,
            {{"error",
              {{"code", "bad_gateway"},
               {"message", "the queue service sent a malformed reply"}}}}};
  auto err = doc.find("error");
  if (err == doc.end() || !err->is_object())
    return {success_status, std::move(doc)};
  auto code = err->value("code", std::string{"internal"});
  auto message = err->value("message", std::string{});
  return {status_for_error_code(code),
          {{"error", {{"code", code}, {"message", message}}}}};
}

http_answer answer_from_bus_failure(const std::string& code) {
  std::string message;
  if (code == "no_responders")
    message = "the queue service is not running (no responders)";
  else if (code == "timeout")
    message = "the queue service did not answer in time";
  else
    message = "the queue service cannot be reached (message bus unavailable)";
  return {503, {{"error", {{"code", "unavailable"}, {"message", message}}}}};
}

} // namespace kumo::gateway
