#include "options.hpp"

#include "kumo/service.hpp"
#include "safe_path.hpp"

#include <sys/stat.h>

namespace kumo::downloader {

std::vector<option> option_schema() {
  std::vector<option> schema{
      {"library_root", option_kind::text, std::nullopt,
       "directory the library lives in; every download lands below it"},
      {"jobs", option_kind::integer, "2", "parallel downloads per worker", 1,
       64},
      {"worker_rate_limit", option_kind::integer, "0",
       "bytes per second over all downloads of this worker (0: unlimited)", 0},
      {"claim_interval", option_kind::duration, "2s",
       "how often to ask for work without a wake-up", 100, 3'600'000},
      {"fetch_allow_cidrs", option_kind::text, "",
       "comma-separated CIDRs downloads may reach although private/loopback"},
      {"connect_timeout", option_kind::duration, "10s",
       "TCP/TLS connect deadline", 100, 600'000},
      {"stall_timeout", option_kind::duration, "30s",
       "abort a download when no byte arrives for this long", 1'000, 3'600'000},
      {"segment_min_size", option_kind::integer, "16777216",
       "files from this size up (bytes) are fetched over several connections "
       "when the origin answers ranges",
       0},
      {"max_connections", option_kind::integer, "4",
       "connections of one download at most; the runtime provider config "
       "may ask for fewer (1: never split)",
       1, 16},
      {"user_agent", option_kind::text,
       std::string{"kumo-downloader/"} + version(),
       "User-Agent header of downloads"},
      {"min_free_bytes", option_kind::integer, "2147483648",
       "free bytes every download leaves on the library's file system", 0,
       INT64_MAX},
      {"min_free_percent", option_kind::integer, "5",
       "free share (percent of its size) every download leaves on the "
       "library's file system; the stricter floor applies",
       0, 99},
  };
  auto media = media_option_schema();
  schema.insert(schema.end(), media.begin(), media.end());
  return schema;
}

result<downloader_options> read_options(const settings& cfg) {
  auto fail = [](const char* key, std::string message) {
    return invalid(std::move(message), key);
  };
  downloader_options out;
  const auto& root = cfg.text("library_root");
  struct stat st;
  if (root.empty())
    return fail("library_root", "empty: expected a directory");
  if (stat(root.c_str(), &st) != 0)
    return fail("library_root", "'" + root + "' does not exist");
  if (!S_ISDIR(st.st_mode))
    return fail("library_root", "'" + root + "' is not a directory");
  auto real = real_path(root);
  if (!real)
    return fail("library_root", "'" + root + "' does not resolve");
  out.library_root = *real;
  auto allow = parse_cidr_list(cfg.text("fetch_allow_cidrs"));
  if (!allow)
    return fail("fetch_allow_cidrs", allow.error().message);
  out.fetch_allow = std::move(*allow);
  out.jobs = static_cast<int>(cfg.integer("jobs"));
  out.worker_rate_limit = cfg.integer("worker_rate_limit");
  out.claim_interval = std::chrono::milliseconds{cfg.millis("claim_interval")};
  out.connect_timeout =
      std::chrono::milliseconds{cfg.millis("connect_timeout")};
  out.stall_timeout = std::chrono::milliseconds{cfg.millis("stall_timeout")};
  auto env = process_env();
  out.timeouts_set = env(env_name("connect_timeout")) ||
                     env(env_name("stall_timeout")) ||
                     cfg.millis("connect_timeout") != 10'000 ||
                     cfg.millis("stall_timeout") != 30'000;
  out.user_agent = cfg.text("user_agent");
  out.segment_min_size = cfg.integer("segment_min_size");
  out.max_connections = static_cast<int>(cfg.integer("max_connections"));
  out.request_timeout =
      std::chrono::milliseconds{cfg.millis("request_timeout")};
  out.shutdown_grace = std::chrono::milliseconds{cfg.millis("shutdown_grace")};
  out.worker = cfg.text("instance");
  auto media = read_media_options(cfg);
  if (!media)
    return media.error();
  out.media = *std::move(media);
  out.disk.min_free_bytes = cfg.integer("min_free_bytes");
  out.disk.min_free_percent =
      static_cast<double>(cfg.integer("min_free_percent"));
  return out;
}

} // namespace kumo::downloader
