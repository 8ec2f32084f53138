#pragma once

// The checks a source's declared size and sha256 get on the final file of
// a media source (hls remux output, yt-dlp output), as a direct download
// gets them on its bytes.

#include <cstdint>
#include <string>

namespace kumo::downloader {

/// What a finished media file was checked against.
struct declared_file {
  int64_t size = -1;  ///< bytes, -1: not declared
  std::string sha256; ///< 64 lowercase hex digits, "": not declared
};

/// Checks the file at `path` against `declared`. Returns "" when it
/// matches (or nothing is declared), otherwise the mismatch for the item's
/// error. `digest` receives the file's sha256 when one was declared.
std::string verify_declared(const std::string& path,
                            const declared_file& declared, std::string* digest);

} // namespace kumo::downloader
