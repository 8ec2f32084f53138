#include "hls_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kumo::downloader {

namespace {

using clock = std::chrono::steady_clock;
constexpr size_t max_tail = 2048;
constexpr size_t max_line = size_t{64} * 1024;

/// Owns the argv/envp arrays posix_spawn needs.
struct c_strings {
  explicit c_strings(const std::vector<std::string>& items) {
    for (const auto& s : items)
      ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
  }
  std::vector<char*> ptrs;
};

std::vector<std::string> child_environment(const std::string& cwd) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin",
          "LANG=C.UTF-8",
          "HOME=" + cwd,
          "XDG_CONFIG_HOME=" + cwd,
          "XDG_CACHE_HOME=" + cwd,
          "XDG_DATA_HOME=" + cwd};
}

void keep_tail(std::string& tail, std::string_view line) {
  tail.append(line.data(), line.size());
  tail += '\n';
  if (tail.size() > max_tail)
    tail.erase(0, tail.size() - max_tail);
}

/// Splits what arrived into lines and hands them on.
void feed(std::string& pending, const char* data, size_t size,
          const process_spec& spec, process_result& out) {
  pending.append(data, size);
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    std::string_view line{pending.data() + start, nl - start};
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    keep_tail(out.tail, line);
    if (spec.on_line)
      spec.on_line(line);
  }
  pending.erase(0, start);
  if (pending.size() > max_line)
    pending.clear(); // a runaway line: dropped, never buffered without end
}

int spawn_child(const process_spec& spec, int out_fd, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  c_strings argv{spec.argv};
  auto environment = child_environment(spec.cwd);
  c_strings envp{environment};
  int rc = posix_spawnp(pid, spec.argv[0].c_str(), &actions, &attr,
                        argv.ptrs.data(), envp.ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

} // namespace

process_result run_process(const process_spec& spec) {
  process_result out;
  int fds[2];
  if (spec.argv.empty() || pipe2(fds, O_CLOEXEC) != 0) {
    out.error = "cannot start a process: " + std::string{std::strerror(errno)};
    return out;
  }
  pid_t pid = -1;
  int rc = spawn_child(spec, fds[1], &pid);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    out.error = rc == ENOENT
                    ? spec.argv[0] + " is not installed (not found)"
                    : "cannot start " + spec.argv[0] + ": " + std::strerror(rc);
    return out;
  }
  out.started = true;
  auto deadline = clock::now() + spec.timeout;
  std::string pending;
  char buffer[8192];
  bool open = true;
  while (open) {
    if (clock::now() >= deadline)
      out.timed_out = true;
    else if (spec.may_continue && !spec.may_continue())
      out.stopped = true;
    if (out.timed_out || out.stopped) {
      kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    auto n = read(fds[0], buffer, sizeof buffer);
    if (n > 0)
      feed(pending, buffer, static_cast<size_t>(n), spec, out);
    else if (n == 0 || errno != EINTR)
      open = false;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    out.exit_code = WEXITSTATUS(status);
  return out;
}

std::string describe_failure(const std::string& program,
                             const process_result& r) {
  if (!r.started)
    return r.error;
  std::string what = r.timed_out       ? program + " timed out"
                     : r.exit_code < 0 ? program + " was killed"
                                       : program + " exited with " +
                                             std::to_string(r.exit_code);
  auto tail = r.tail;
  while (!tail.empty() && tail.back() == '\n')
    tail.pop_back();
  auto last = tail.rfind('\n');
  if (last != std::string::npos)
    tail = tail.substr(last + 1);
  return tail.empty() ? what : what + ": " + tail.substr(0, 300);
}

} // namespace kumo::downloader
