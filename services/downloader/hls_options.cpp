#include "hls_options.hpp"

#include "hls/playlist.hpp"

namespace kumo::downloader {

std::vector<option> media_option_schema() {
  return {
      {"hls_quality", option_kind::text, "best",
       "HLS variant: best, worst or a maximum height such as 720"},
      {"hls_parallel", option_kind::integer, "6",
       "HLS segments fetched at once per job", 1, 16},
      {"media_tool_timeout", option_kind::duration, "30m",
       "longest run of ffmpeg, ffprobe or yt-dlp for one job", 1'000,
       int64_t{24} * 3'600'000},
      {"ytdlp_options", option_kind::text, "",
       "extra yt-dlp options: only --format and --limit-rate"},
      {"ffmpeg_path", option_kind::text, "ffmpeg",
       "ffmpeg program (name looked up on PATH, or a path)"},
      {"ffprobe_path", option_kind::text, "ffprobe", "ffprobe program"},
      {"ytdlp_path", option_kind::text, "yt-dlp", "yt-dlp program"},
  };
}

result<media_settings> read_media_options(const settings& cfg) {
  media_settings out;
  out.hls_quality = cfg.text("hls_quality");
  if (!providers::hls::valid_quality(out.hls_quality))
    return invalid("'" + out.hls_quality.substr(0, 40) +
                       "': expected best, worst or a height such as 720",
                   "hls_quality");
  out.hls_parallel = static_cast<int>(cfg.integer("hls_parallel"));
  out.tool_timeout =
      std::chrono::milliseconds{cfg.millis("media_tool_timeout")};
  auto ytdlp = providers::ytdlp::parse_options(cfg.text("ytdlp_options"));
  if (!ytdlp)
    return ytdlp.error();
  out.ytdlp = *ytdlp;
  out.ffmpeg = cfg.text("ffmpeg_path");
  out.ffprobe = cfg.text("ffprobe_path");
  out.ytdlp_program = cfg.text("ytdlp_path");
  for (const char* key : {"ffmpeg_path", "ffprobe_path", "ytdlp_path"})
    if (cfg.text(key).empty() || cfg.text(key)[0] == '-')
      return invalid("expected a program name or path", key);
  return out;
}

} // namespace kumo::downloader
