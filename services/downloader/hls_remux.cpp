#include "hls_remux.hpp"

#include "file_tag.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace kumo::downloader {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string container_of(const std::string& target) {
  std::string lower;
  for (char c : target)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ends_with(lower, ".mkv"))
    return "matroska";
  if (ends_with(lower, ".ts"))
    return "mpegts";
  return "mp4";
}

} // namespace

std::string
remux_segments(const std::string& dir, const std::vector<std::string>& files,
               const std::string& output, const std::string& target_path,
               const media_settings& media,
               const std::function<bool()>& may_continue, bool* stopped) {
  {
    std::ofstream list{dir + "/concat.txt", std::ios::trunc};
    list << "ffconcat version 1.0\n";
    for (const auto& f : files)
      list << "file '" << f << "'\n"; // Kumo's own names: no quotes inside
    if (!list)
      return "cannot write the segment list";
  }
  process_spec spec;
  spec.argv = {media.ffmpeg,
               "-nostdin",
               "-hide_banner",
               "-loglevel",
               "error",
               "-y",
               "-protocol_whitelist",
               "file",
               "-f",
               "concat",
               "-i",
               "concat.txt",
               "-map",
               "0",
               "-c",
               "copy",
               "-f",
               container_of(target_path),
               output};
  spec.cwd = dir;
  spec.timeout = media.tool_timeout;
  spec.may_continue = may_continue;
  auto r = run_process(spec);
  *stopped = r.stopped;
  if (r.started && !r.timed_out && !r.stopped && r.exit_code == 0)
    return {};
  return describe_failure(media.ffmpeg, r);
}

std::optional<double> probe_duration(const std::string& path,
                                     const media_settings& media,
                                     std::string* error) {
  process_spec spec;
  auto slash = path.rfind('/');
  spec.cwd = path.substr(0, slash);
  spec.argv = {media.ffprobe,
               "-v",
               "error",
               "-show_entries",
               "format=duration",
               "-of",
               "default=noprint_wrappers=1:nokey=1",
               "-protocol_whitelist",
               "file",
               path.substr(slash + 1)};
  spec.timeout =
      std::min(media.tool_timeout, std::chrono::milliseconds{60'000});
  std::string answer;
  spec.on_line = [&](std::string_view line) {
    if (answer.empty())
      answer = std::string{line};
  };
  auto r = run_process(spec);
  if (!r.started || r.timed_out || r.exit_code != 0) {
    *error = describe_failure(media.ffprobe, r);
    return std::nullopt;
  }
  char* end = nullptr;
  double seconds = std::strtod(answer.c_str(), &end);
  if (answer.empty() || end != answer.c_str() + answer.size() ||
      !(seconds >= 0)) {
    *error = "ffprobe reported no duration: " + answer.substr(0, 80);
    return std::nullopt;
  }
  return seconds;
}

std::optional<part_file> adopt_output(const std::string& output,
                                      const target_paths& paths,
                                      const std::string& job,
                                      std::string* error) {
  auto size = part_file::existing_size(output);
  if (size <= 0) {
    *error = "the tool wrote no output file";
    return std::nullopt;
  }
  write_tag(output, job_tag, job);
  if (::rename(output.c_str(), paths.part_path.c_str()) != 0) {
    *error = "cannot move the output to the partial file: " +
             std::string{std::strerror(errno)};
    return std::nullopt;
  }
  // A new inode, as every opening of a partial file (see part_file.hpp).
  auto file = part_file::create(paths, size, error, job);
  if (!file)
    return std::nullopt;
  if (file->kept() != size) {
    *error = "the partial file lost bytes while being opened";
    return std::nullopt;
  }
  if (!file->sync(error))
    return std::nullopt;
  return file;
}

} // namespace kumo::downloader
