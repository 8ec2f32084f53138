#include "hls_job.hpp"

#include "file_tag.hpp"
#include "hls/playlist.hpp"
#include "hls_remux.hpp"
#include "hls_segments.hpp"
#include "media_output.hpp"
#include "sha256.hpp"

#include <cmath>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::downloader {

namespace hls = providers::hls;

namespace {

constexpr size_t max_playlist_bytes = 4u << 20;
constexpr const char* source_file = "source.txt";
constexpr const char* output_name = "remux.out.part";

transfer_result failed(std::string error, bool transient) {
  transfer_result r;
  r.outcome = transfer_outcome::failed;
  r.error = std::move(error);
  r.transient = transient;
  return r;
}

transfer_result stopped() {
  transfer_result r;
  r.outcome = transfer_outcome::stopped;
  return r;
}

/// The media playlist of `url`: followed through a master playlist to the
/// variant `quality` chooses.
result<hls::media_playlist> load_playlist(const std::string& url,
                                          const std::string& quality,
                                          const hls_fetch_settings& fetch,
                                          bool* transient) {
  std::string current = url;
  for (int depth = 0; depth < 2; ++depth) {
    std::string body;
    auto got = fetch_small(current, max_playlist_bytes, fetch, &body);
    if (!got.ok) {
      *transient = got.transient;
      return failure{errc::unavailable, "playlist: " + got.error, {}};
    }
    *transient = false;
    auto parsed = hls::parse(body, current);
    if (!parsed)
      return invalid("playlist " + current.substr(0, 200) + ": " +
                     parsed.error().message);
    if (parsed->media)
      return *std::move(parsed->media);
    auto chosen = hls::choose_variant(*parsed->master, quality);
    if (!chosen)
      return chosen.error();
    current = chosen->url;
  }
  return invalid("a variant playlist points at another master playlist");
}

/// A digest of what the segments are: a folder left by a run on another
/// playlist is emptied first.
std::string fingerprint(const hls::media_playlist& p) {
  sha256 h;
  for (const auto& s : p.segments) {
    std::string line = s.url + "|" + (s.key ? s.key->url : "") + "|" +
                       (s.range ? std::to_string(s.range->offset) + "+" +
                                      std::to_string(s.range->length)
                                : "") +
                       "\n";
    h.update(line.data(), line.size());
  }
  return h.hex_digest();
}

void empty_folder(const std::string& dir) {
  if (DIR* d = opendir(dir.c_str())) {
    while (auto* e = readdir(d)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..")
        unlinkat(dirfd(d), e->d_name, 0); // relative to the open folder
    }
    closedir(d);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Creates or reuses the media folder; "" on success.
std::string prepare_folder(const std::string& dir, const std::string& job,
                           const std::string& print) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create the media folder " + dir;
  if (!is_real_directory(dir)) // a symlink could lead out of the library
    return "media folder path is taken by something else: " + dir;
  auto owner = read_tag(dir, job_tag);
  if ((owner && *owner != job) || read_file(dir + "/" + source_file) != print)
    empty_folder(dir); // another job's, or another playlist's segments
  write_tag(dir, job_tag, job);
  std::ofstream out{dir + "/" + source_file, std::ios::trunc};
  out << print;
  return out ? "" : "cannot write in the media folder " + dir;
}

result<key_map> fetch_keys(const hls::media_playlist& p,
                           const hls_fetch_settings& fetch, bool* transient) {
  key_map keys;
  for (const auto& s : p.segments) {
    if (!s.key || keys.count(s.key->url))
      continue;
    std::string body;
    auto got = fetch_small(s.key->url, 64, fetch, &body);
    *transient = got.transient;
    if (!got.ok)
      return failure{errc::unavailable, "key: " + got.error, {}};
    if (body.size() != 16) {
      *transient = false;
      return invalid("key " + s.key->url.substr(0, 200) + " is " +
                     std::to_string(body.size()) + " bytes, not 16");
    }
    std::array<uint8_t, 16> k{};
    std::copy(body.begin(), body.end(), k.begin());
    keys[s.key->url] = k;
  }
  return keys;
}

hls_fetch_settings fetch_settings(const transfer_spec& spec,
                                  const transfer_settings& s) {
  hls_fetch_settings f;
  f.user_agent = s.user_agent;
  f.connect_timeout = s.connect_timeout;
  f.stall_timeout = s.stall_timeout;
  f.max_recv_bps = spec.rate_limit_bps;
  f.policy = s.policy;
  return f;
}

/// Remuxes, checks the duration, and turns the result into the `.part`.
transfer_result finish(const transfer_spec& spec, const std::string& dir,
                       const std::vector<std::string>& files, double expected,
                       const media_settings& media,
                       transfer_observer& observer) {
  bool halted = false;
  auto error = remux_segments(
      dir, files, output_name, spec.paths.final_path, media,
      [&] { return observer.may_continue(); }, &halted);
  if (halted)
    return stopped();
  if (!error.empty())
    return failed("remux: " + error, false);
  auto output = dir + "/" + output_name;
  auto seconds = probe_duration(output, media, &error);
  if (!seconds)
    return failed("duration check: " + error, false);
  double tolerance = std::max(1.5, expected * 0.02);
  if (std::fabs(*seconds - expected) > tolerance) {
    std::ostringstream why;
    why << "the remuxed file lasts " << *seconds << " s, the playlist "
        << expected << " s";
    return failed(why.str(), false);
  }
  return complete_media_output(output, spec, observer);
}

} // namespace

std::string media_workdir(const target_paths& paths) {
  return paths.final_path + ".part.d";
}

bool is_real_directory(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void remove_media_workdir(const target_paths& paths, const std::string& job) {
  auto dir = media_workdir(paths);
  if (!is_real_directory(dir))
    return; // absent, or a symlink or file this job did not make
  auto owner = read_tag(dir, job_tag);
  if (owner && *owner != job)
    return;
  empty_folder(dir);
  rmdir(dir.c_str());
}

transfer_result run_hls_transfer(const transfer_spec& spec,
                                 const transfer_settings& settings,
                                 const media_settings& media,
                                 transfer_observer& observer) {
  auto fetch = fetch_settings(spec, settings);
  bool transient = true;
  auto playlist = load_playlist(spec.url, media.hls_quality, fetch, &transient);
  if (!playlist)
    return failed(playlist.error().message, transient);
  auto keys = fetch_keys(*playlist, fetch, &transient);
  if (!keys)
    return failed(keys.error().message, transient);
  auto dir = media_workdir(spec.paths);
  auto problem = prepare_folder(dir, spec.job_id, fingerprint(*playlist));
  if (!problem.empty()) { // our media folder, not the source
    auto r = failed(problem, true);
    r.local = true;
    return r;
  }
  observer.on_started(0, -1);
  auto got = fetch_segments(*playlist, *keys, dir, media.hls_parallel, fetch,
                            observer);
  if (got.stopped)
    return stopped();
  if (!got.ok)
    return failed(got.error, got.transient);
  return finish(spec, dir, got.files, playlist->total_seconds(), media,
                observer);
}

} // namespace kumo::downloader
