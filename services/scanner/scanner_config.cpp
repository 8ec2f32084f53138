#include "scanner_config.hpp"

namespace kumo::scanner {

namespace {

/// The normalized root, or "" with `why` set.
std::string normalize_root(std::string path, std::string& why) {
  if (path.empty() || path.front() != '/') {
    why = "'" + path + "' is not an absolute path";
    return {};
  }
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  for (auto pos = path.find('/'); pos != std::string::npos;) {
    auto next = path.find('/', pos + 1);
    auto part =
        path.substr(pos + 1, next == std::string::npos ? std::string::npos
                                                       : next - pos - 1);
    if (part == "." || part == ".." || (part.empty() && path != "/")) {
      why = "'" + path + "' has an empty, '.' or '..' component";
      return {};
    }
    pos = next;
  }
  return path;
}

bool inside(const std::string& a, const std::string& b) {
  return a == b || b == "/" || a.rfind(b + "/", 0) == 0;
}

} // namespace

std::vector<option> scanner_options() {
  return {
      {"library_root", option_kind::text, "",
       "the library root (absolute path; empty: no library, scans fail)"},
      {"library_roots_extra", option_kind::text, "",
       "further roots, ':'-separated absolute paths, scanned only"},
      {"scan_interval", option_kind::duration, "6h",
       "full rescan period (0: only on start and on demand)", 0,
       int64_t{30} * 24 * 3'600'000},
      {"scan_watch", option_kind::boolean, "true",
       "live watch of the roots with inotify"},
      {"scan_auto_add", option_kind::boolean, "true",
       "a series folder no series claims becomes a series at the scan that "
       "finds it (false: listed as unmatched until added)"},
      {"monitor_interval", option_kind::duration, "1h",
       "period of provider checks of monitored series (0: none)", 0,
       int64_t{30} * 24 * 3'600'000},
      {"feed_timeout", option_kind::duration, "15s",
       "deadline of one provider request (a feed fetch)", 1000, 120'000},
      {"fetch_allow_cidrs", option_kind::text, "",
       "networks provider requests may reach although special-purpose "
       "(comma-separated CIDRs), as the downloader's option"},
  };
}

result<library_roots> parse_roots(const std::string& main,
                                  const std::string& extra) {
  std::string why;
  library_roots roots;
  if (!main.empty()) {
    roots.main = normalize_root(main, why);
    if (roots.main.empty())
      return invalid(why, "library_root");
  }
  std::size_t start = 0;
  while (start < extra.size()) {
    auto end = extra.find(':', start);
    auto item =
        extra.substr(start, end == std::string::npos ? end : end - start);
    start = end == std::string::npos ? extra.size() : end + 1;
    if (item.empty())
      continue;
    auto root = normalize_root(item, why);
    if (root.empty())
      return invalid(why, "library_roots_extra");
    for (const auto& other : roots.all())
      if (inside(root, other) || inside(other, root)) {
        std::string why_overlap = "'";
        why_overlap.append(root).append("' overlaps root '").append(other);
        return invalid(why_overlap + "'", "library_roots_extra");
      }
    roots.extra.push_back(root);
  }
  return roots;
}

result<scanner_config> parse_scanner_config(const settings& values) {
  auto roots = parse_roots(values.text("library_root"),
                           values.text("library_roots_extra"));
  if (!roots)
    return roots.error();
  scanner_config out;
  out.roots = std::move(*roots);
  out.scan_interval = std::chrono::milliseconds(values.millis("scan_interval"));
  out.watch = values.boolean("scan_watch");
  out.auto_add = values.boolean("scan_auto_add");
  out.monitor_interval =
      std::chrono::milliseconds(values.millis("monitor_interval"));
  out.feed_timeout = std::chrono::milliseconds(values.millis("feed_timeout"));
  auto allow = parse_cidr_list(values.text("fetch_allow_cidrs"));
  if (!allow)
    return invalid(allow.error().message, "fetch_allow_cidrs");
  out.fetch_allow = std::move(*allow);
  return out;
}

} // namespace kumo::scanner
