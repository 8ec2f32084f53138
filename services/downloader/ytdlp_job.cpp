#include "ytdlp_job.hpp"

#include "hls_job.hpp"
#include "hls_process.hpp"
#include "kumo/contracts/source_url.hpp"
#include "media_output.hpp"
#include "ytdlp/command.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;

/// "ytdlp.out.<extension of the target>": yt-dlp's post-processors choose
/// the container by the extension.
std::string output_name(const target_paths& paths) {
  auto name = paths.final_path.substr(paths.final_path.rfind('/') + 1);
  auto dot = name.rfind('.');
  return "ytdlp.out." +
         (dot == std::string::npos ? std::string{"mp4"} : name.substr(dot + 1));
}

transfer_result failed(std::string error, bool transient) {
  transfer_result r;
  r.outcome = transfer_outcome::failed;
  r.error = std::move(error);
  r.transient = transient;
  return r;
}

/// A failure on our side (the library's folders), not the source's.
transfer_result local_failure(std::string error, bool transient) {
  auto r = failed(std::move(error), transient);
  r.local = true;
  return r;
}

/// The host of an http(s) URL (brackets of an IPv6 literal removed).
std::string host_of(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos)
    return {};
  auto rest = url.substr(start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (!rest.empty() && rest[0] == '[')
    return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

/// "" when every address `url`'s host resolves to is permitted; else why
/// not. yt-dlp resolves again itself: this is checked once, before it runs.
std::string address_problem(const std::string& url,
                            const address_policy& policy, bool* transient) {
  *transient = false;
  if (auto bad = contracts::source_url_problem(url, policy))
    return "source URL " + *bad;
  auto host = host_of(url);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    *transient = true;
    return "cannot resolve " + host + ": " + gai_strerror(rc);
  }
  std::string problem;
  for (auto* a = found; a && problem.empty(); a = a->ai_next) {
    auto addr = from_sockaddr(a->ai_addr);
    if (!addr)
      continue;
    auto why = policy.refusal(*addr);
    if (!why.empty())
      problem = "address of " + host + " is not allowed: ";
    problem += why;
  }
  freeaddrinfo(found);
  return problem;
}

} // namespace

transfer_result run_ytdlp_transfer(const transfer_spec& spec,
                                   const transfer_settings& settings,
                                   const media_settings& media,
                                   transfer_observer& observer) {
  bool transient = false;
  auto problem = address_problem(spec.url, *settings.policy, &transient);
  if (!problem.empty())
    return failed(problem, transient);
  auto dir = media_workdir(spec.paths);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return local_failure("cannot create the media folder " + dir, true);
  if (!is_real_directory(dir)) // a symlink could lead out of the library
    return local_failure("media folder path is taken by something else: " + dir,
                         false);
  auto opts = media.ytdlp;
  opts.socket_timeout_s = settings.stall_timeout.count() / 1000;
  if (spec.rate_limit_bps > 0 &&
      (opts.rate_limit_bps == 0 || spec.rate_limit_bps < opts.rate_limit_bps))
    opts.rate_limit_bps = spec.rate_limit_bps;
  process_spec run;
  run.argv = providers::ytdlp::download_argv(media.ytdlp_program, opts,
                                             spec.url, output_name(spec.paths));
  run.cwd = dir;
  run.timeout = media.tool_timeout;
  run.may_continue = [&] { return observer.may_continue(); };
  int64_t last = 0;
  bool started = false;
  run.on_line = [&](std::string_view line) {
    auto p = providers::ytdlp::parse_progress(line);
    if (!p)
      return;
    if (!started)
      observer.on_started(0, p->total), started = true;
    observer.on_progress(std::max<int64_t>(p->downloaded - last, 0),
                         p->downloaded, p->total, p->speed_bps);
    last = p->downloaded;
  };
  auto r = run_process(run);
  if (r.stopped) {
    transfer_result s;
    s.outcome = transfer_outcome::stopped;
    return s;
  }
  if (!r.started) // not installed: nothing else can help this source
    return failed(r.error, false);
  if (r.timed_out || r.exit_code != 0)
    return failed(describe_failure("yt-dlp", r), r.timed_out);
  return complete_media_output(dir + "/" + output_name(spec.paths), spec,
                               observer);
}

} // namespace kumo::downloader
