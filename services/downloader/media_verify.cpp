#include "media_verify.hpp"

#include "sha256.hpp"

#include <fstream>
#include <sys/stat.h>
#include <vector>

namespace kumo::downloader {

namespace {

/// The sha256 of the file at `path`, or "" when it cannot be read.
std::string hash_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "";
  sha256 h;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad())
    return "";
  return h.hex_digest();
}

} // namespace

std::string verify_declared(const std::string& path,
                            const declared_file& declared,
                            std::string* digest) {
  if (declared.size >= 0) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
      return "cannot read the finished file to check its size";
    if (st.st_size != declared.size)
      return "size mismatch: the source declares " +
             std::to_string(declared.size) + " bytes, the finished file has " +
             std::to_string(st.st_size);
  }
  if (declared.sha256.empty())
    return "";
  auto got = hash_file(path);
  if (got.empty())
    return "cannot read the finished file to check its sha256";
  if (digest)
    *digest = got;
  if (got != declared.sha256)
    return "sha256 mismatch: the source declares " + declared.sha256 +
           ", the finished file has " + got;
  return "";
}

} // namespace kumo::downloader
