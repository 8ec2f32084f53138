#include "safe_path.hpp"

#include "file_tag.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace kumo::downloader {

namespace {

/// Longest file name we accept, leaving room for the ".part" suffix.
constexpr size_t max_name = NAME_MAX - 5;

std::vector<std::string_view> split(std::string_view rel) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= rel.size()) {
    auto slash = rel.find('/', start);
    if (slash == std::string_view::npos)
      slash = rel.size();
    out.push_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool fail(std::string* error, std::string why) {
  if (error)
    *error = std::move(why);
  return false;
}

/// Descends into `name` below the verified directory `dir`.
bool descend(const std::string& root, std::string& dir, std::string_view name,
             bool create, std::string* error, target_paths& out,
             const std::string& owner) {
  auto next = dir + "/" + std::string{name};
  struct stat st;
  if (lstat(next.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return fail(error, "cannot inspect '" + std::string{name} +
                             "': " + std::strerror(errno));
    if (!create)
      return fail(error, "parent directory does not exist");
    if (mkdir(next.c_str(), 0755) == 0) {
      out.created.push_back(next);
      if (!owner.empty())
        write_tag(next, job_tag, owner);
    } else if (errno != EEXIST) {
      return fail(error, "cannot create directory '" + std::string{name} +
                             "': " + std::strerror(errno));
    }
  }
  auto resolved = real_path(next);
  if (!resolved)
    return fail(error, "cannot resolve '" + std::string{name} + "'");
  if (!is_inside(root, *resolved))
    return fail(error, "path leaves the library root through '" +
                           std::string{name} + "'");
  if (stat(resolved->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(error, "'" + std::string{name} + "' is not a directory");
  dir = *resolved;
  return true;
}

} // namespace

std::optional<std::string> real_path(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr)
    return std::nullopt;
  std::string out{resolved};
  std::free(resolved);
  return out;
}

bool is_inside(const std::string& root, const std::string& path) {
  if (path == root)
    return true;
  if (root == "/")
    return !path.empty() && path.front() == '/';
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

std::string check_relative_path(std::string_view rel) {
  if (rel.empty())
    return "target path is empty";
  if (rel.find('\0') != std::string_view::npos)
    return "target path contains a NUL byte";
  if (rel.front() == '/')
    return "target path is absolute";
  if (rel.size() > PATH_MAX / 2)
    return "target path is too long";
  auto parts = split(rel);
  for (size_t i = 0; i < parts.size(); ++i) {
    auto part = parts[i];
    if (part.empty())
      return i + 1 == parts.size() ? "target path ends with '/'"
                                   : "target path has an empty component";
    if (part == "..")
      return "target path contains '..'";
    if (part == ".")
      return "target path contains '.'";
    if (part.size() > max_name)
      return "a name in the target path is longer than " +
             std::to_string(max_name) + " bytes";
  }
  return {};
}

std::optional<target_paths> resolve_target(const std::string& root,
                                           std::string_view rel,
                                           bool create_parents,
                                           std::string* error,
                                           const std::string& owner) {
  if (auto why = check_relative_path(rel); !why.empty()) {
    fail(error, why);
    return std::nullopt;
  }
  auto real_root = real_path(root);
  if (!real_root) {
    fail(error, "library root '" + root + "' does not resolve");
    return std::nullopt;
  }
  auto parts = split(rel);
  std::string dir = *real_root;
  target_paths out;
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    if (!descend(*real_root, dir, parts[i], create_parents, error, out, owner))
      return std::nullopt;
  out.directory = dir;
  out.final_path = dir + (dir == "/" ? "" : "/") + std::string{parts.back()};
  out.part_path = out.final_path + ".part";
  return out;
}

int remove_job_directories(const std::string& root, const target_paths& paths,
                           const std::string& owner) {
  auto real_root = real_path(root);
  if (!real_root || owner.empty())
    return 0;
  auto created_here = [&](const std::string& dir) {
    for (const auto& c : paths.created)
      if (c == dir)
        return true;
    return false;
  };
  int removed = 0;
  std::string dir = paths.directory;
  while (dir != *real_root && is_inside(*real_root, dir)) {
    if (!created_here(dir) && read_tag(dir, job_tag) != owner)
      break;
    if (rmdir(dir.c_str()) != 0) // ENOTEMPTY: someone else's files are there
      break;
    ++removed;
    dir.erase(dir.rfind('/'));
  }
  return removed;
}

} // namespace kumo::downloader
