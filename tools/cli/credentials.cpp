#include "credentials.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::cli {

namespace {

constexpr off_t max_file_size = off_t{64} * 1024;

std::string errno_text() {
  return std::strerror(errno);
}

/// mkdir -p of the parent folders of `path`, each new one with mode 0700.
std::optional<std::string> make_parents(const std::string& path) {
  for (auto slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    auto dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return "cannot create " + dir + ": " + errno_text();
  }
  return std::nullopt;
}

std::optional<std::string> write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return errno_text();
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

kumo::result<std::optional<credentials>> parse(const std::string& path,
                                               const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  auto field = [&](const char* key) {
    auto i = doc.find(key);
    return i != doc.end() && i->is_string() ? i->get<std::string>()
                                            : std::string{};
  };
  if (!doc.is_object() || field("token").empty())
    return kumo::invalid(path +
                         " is not a kumo credentials file (run kumo login "
                         "again)");
  return std::optional<credentials>{
      credentials{field("url"), field("token"), field("expires_at")}};
}

} // namespace

std::string credentials_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/')
    return std::string{xdg} + "/kumo/credentials";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string{home} + "/.config/kumo/credentials";
  return {};
}

kumo::result<std::optional<credentials>>
load_credentials(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::optional<credentials>{};
    return kumo::unavailable("cannot open " + path + ": " + errno_text());
  }
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot stat " + path + ": " + errno_text();
  } else if (!S_ISREG(st.st_mode)) {
    problem = path + " is not a regular file";
  } else if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    problem = path + " has mode " + mode +
              ": others may read the session token in it; refusing to use "
              "it. Run `chmod 600 " +
              path +
              "` (and log in again if "
              "someone else may have read it)";
  } else if (st.st_size > max_file_size) {
    problem = path + " is too large to be a kumo credentials file";
  } else {
    text.resize(static_cast<std::size_t>(st.st_size));
    auto n = ::read(fd, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()))
      problem = "cannot read " + path;
  }
  ::close(fd);
  if (!problem.empty())
    return kumo::unavailable(problem);
  return parse(path, text);
}

kumo::result<std::optional<credentials>> saved_credentials() {
  auto path = credentials_path();
  if (path.empty())
    return std::optional<credentials>{};
  return load_credentials(path);
}

std::optional<std::string> save_credentials(const std::string& path,
                                            const credentials& c) {
  if (auto err = make_parents(path))
    return err;
  nlohmann::json doc{
      {"url", c.url}, {"token", c.token}, {"expires_at", c.expires_at}};
  auto tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return "cannot create " + tmp + ": " + errno_text();
  std::optional<std::string> err;
  if (::fchmod(fd, 0600) != 0) // whatever the umask
    err = "cannot chmod " + tmp + ": " + errno_text();
  if (!err)
    err = write_all(fd, doc.dump() + "\n");
  if (!err && ::fsync(fd) != 0)
    err = "cannot sync " + tmp + ": " + errno_text();
  ::close(fd);
  if (!err && ::rename(tmp.c_str(), path.c_str()) != 0)
    err = "cannot replace " + path + ": " + errno_text();
  if (err)
    ::unlink(tmp.c_str());
  return err;
}

bool remove_credentials(const std::string& path) {
  return ::unlink(path.c_str()) == 0;
}

} // namespace kumo::cli
