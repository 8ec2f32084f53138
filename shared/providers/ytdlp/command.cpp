#include "ytdlp/command.hpp"

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kumo::providers::ytdlp {

namespace {

/// "2M", "500K", "1048576": bytes per second; nullopt when malformed.
std::optional<int64_t> parse_rate(const std::string& s) {
  if (s.empty() || s.size() > 16)
    return std::nullopt;
  int64_t unit = 1;
  std::string digits = s;
  switch (std::toupper(static_cast<unsigned char>(s.back()))) {
  case 'K':
    unit = 1024;
    break;
  case 'M':
    unit = int64_t{1024} * 1024;
    break;
  case 'G':
    unit = int64_t{1024} * 1024 * 1024;
    break;
  default:
    break;
  }
  if (unit != 1)
    digits.pop_back();
  if (digits.empty() || digits.size() > 9)
    return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v == 0)
    return std::nullopt;
  return v * unit;
}

/// A format selector: letters, digits and the operators yt-dlp's format
/// syntax uses; never a leading '-' (it would read as an option).
bool valid_format(const std::string& f) {
  if (f.empty() || f.size() > 200 || f[0] == '-')
    return false;
  for (char c : f) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && std::string_view{"+/[]<>=!*?_-.,:()^$~"}.find(c) ==
                                std::string_view::npos)
      return false;
  }
  return true;
}

} // namespace

result<options> parse_options(std::string_view text) {
  std::istringstream in{std::string{text}};
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(w);
  options out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string name = words[i];
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('=');
        name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    bool is_format = name == "-f" || name == "--format";
    bool is_rate = name == "-r" || name == "--limit-rate";
    if (!is_format && !is_rate)
      return invalid("yt-dlp option not allowed: " + name.substr(0, 60) +
                         " (allowed: --format, --limit-rate)",
                     "ytdlp_options");
    if (!inline_value) {
      if (i + 1 >= words.size())
        return invalid("yt-dlp option " + name + " needs a value",
                       "ytdlp_options");
      value = words[++i];
    }
    if (is_format) {
      if (!valid_format(value))
        return invalid("malformed yt-dlp format: " + value.substr(0, 60),
                       "ytdlp_options");
      out.format = value;
    } else {
      auto rate = parse_rate(value);
      if (!rate)
        return invalid("malformed yt-dlp rate limit: " + value.substr(0, 60),
                       "ytdlp_options");
      out.rate_limit_bps = *rate;
    }
  }
  return out;
}

std::vector<std::string> download_argv(const std::string& program,
                                       const options& opts,
                                       const std::string& url,
                                       const std::string& output) {
  std::vector<std::string> argv{program,          "--ignore-config",
                                "--no-cache-dir", "--no-exec",
                                "--no-playlist",  "--no-mtime"};
  argv.insert(argv.end(), {"--proxy", "", "--quiet", "--newline", "--progress",
                           "--progress-template",
                           std::string{"download:"} + progress_prefix +
                               "%(progress.downloaded_bytes)s "
                               "%(progress.total_bytes)s "
                               "%(progress.total_bytes_estimate)s "
                               "%(progress.speed)s",
                           "--output", output});
  if (!opts.format.empty())
    argv.insert(argv.end(), {"--format", opts.format});
  if (opts.rate_limit_bps > 0)
    argv.insert(argv.end(),
                {"--limit-rate", std::to_string(opts.rate_limit_bps)});
  if (opts.socket_timeout_s > 0)
    argv.insert(argv.end(),
                {"--socket-timeout", std::to_string(opts.socket_timeout_s)});
  argv.insert(argv.end(), {"--", url});
  return argv;
}

std::vector<std::string> playlist_argv(const std::string& program,
                                       const std::string& url) {
  return {program,
          "--ignore-config",
          "--no-cache-dir",
          "--proxy",
          "",
          "--flat-playlist",
          "-J",
          "--",
          url};
}

namespace {

/// A number yt-dlp printed: an integer or a float; "NA"/"None" → nullopt.
std::optional<int64_t> number(const std::string& s) {
  if (s.empty() || s.size() > 32)
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !(v >= 0) || v > 9e18)
    return std::nullopt;
  return static_cast<int64_t>(v);
}

} // namespace

std::optional<progress> parse_progress(std::string_view line) {
  std::string_view prefix{progress_prefix};
  if (line.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  std::istringstream in{std::string{line.substr(prefix.size())}};
  std::string done, total, estimate, speed;
  if (!(in >> done >> total >> estimate >> speed))
    return std::nullopt;
  auto d = number(done);
  if (!d)
    return std::nullopt;
  progress p;
  p.downloaded = *d;
  p.total = number(total).value_or(number(estimate).value_or(-1));
  p.speed_bps = number(speed).value_or(0);
  return p;
}

result<std::vector<entry>> parse_playlist(std::string_view text,
                                          size_t max_entries) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object())
    return invalid("yt-dlp answered no JSON object");
  auto text_of = [](const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>()
                                            : std::string{};
  };
  auto one = [&](const nlohmann::json& j) {
    entry e{text_of(j, "id"), text_of(j, "url"), text_of(j, "title")};
    if (e.url.empty())
      e.url = text_of(j, "webpage_url");
    return e;
  };
  std::vector<entry> out;
  auto entries = doc.find("entries");
  if (entries == doc.end() || !entries->is_array()) {
    out.push_back(one(doc));
    return out;
  }
  for (const auto& j : *entries) {
    if (out.size() >= max_entries)
      break;
    if (j.is_object())
      out.push_back(one(j));
  }
  return out;
}

} // namespace kumo::providers::ytdlp
