#include "commands.hpp"
#include "credentials.hpp"
#include "format.hpp"
#include "session.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace kumo::cli {

using nlohmann::json;

namespace {

/// Overwrites a secret before its memory is released.
void wipe(std::string& secret) {
  volatile char* p = secret.data();
  for (std::size_t i = 0; i < secret.size(); ++i)
    p[i] = 0;
  secret.clear();
}

/// Reads one line from `fd` (without its line end); false on EOF with
/// nothing read. At most 4096 bytes are kept.
bool read_line(int fd, std::string& out) {
  char c = 0;
  bool any = false;
  while (true) {
    auto n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return any;
    any = true;
    if (c == '\n')
      return true;
    if (c != '\r' && out.size() < 4096)
      out.push_back(c);
  }
}

/// The password from the terminal with echo off; nullopt without one.
std::optional<std::string> prompt_password(const std::string& url) {
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0)
    return std::nullopt;
  auto prompt = "Password for " + url + ": ";
  (void)!::write(tty, prompt.data(), prompt.size());
  termios saved{};
  bool restore = ::tcgetattr(tty, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string password;
  read_line(tty, password);
  if (restore)
    ::tcsetattr(tty, TCSAFLUSH, &saved);
  ::close(tty);
  return password;
}

std::optional<std::string> read_password(const parsed_args& args,
                                         const std::string& url) {
  if (args.has("password-stdin")) {
    std::string password;
    if (!read_line(STDIN_FILENO, password))
      return std::nullopt;
    return password;
  }
  return prompt_password(url);
}

} // namespace

exit_code run_login(const parsed_args& args) {
  auto path = credentials_path();
  if (path.empty()) {
    std::fprintf(stderr, "kumo: neither HOME nor XDG_CONFIG_HOME is set: "
                         "nowhere to keep the credentials\n");
    return exit_usage;
  }
  std::string url = args.get("url").value_or("");
  if (url.empty() && std::getenv("KUMO_URL") != nullptr)
    url = std::getenv("KUMO_URL");
  if (url.empty())
    url = "http://127.0.0.1:8080";
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "kumo: the gateway URL must start with http:// or "
                         "https://\n");
    return exit_usage;
  }
  auto password = read_password(args, url);
  if (!password) {
    std::fprintf(stderr, args.has("password-stdin")
                             ? "kumo: login: no password on standard input\n"
                             : "kumo: login: no terminal to ask for the "
                               "password; use --password-stdin\n");
    return exit_usage;
  }
  json body{{"password", *password}};
  wipe(*password);
  auto text = body.dump();
  body["password"] = "";
  http_client client{url, "", args.has("verbose")};
  auto r = client.request("POST", "/api/auth/login", &text);
  wipe(text);
  if (r.reached && (r.status == 401 || r.status == 429)) {
    std::fprintf(stderr, "kumo: login to %s refused: %s\n", url.c_str(),
                 r.status == 401 ? "wrong password"
                                 : error_message(r.status, r.body).c_str());
    if (!r.retry_after.empty())
      std::fprintf(stderr, "kumo: try again in %s s\n", r.retry_after.c_str());
    return exit_auth;
  }
  if (!r.reached || r.status != 200 || !r.error.empty())
    return report_failure(r, "login", url);
  auto doc = parse_answer(r, "login");
  if (!doc || text_of(*doc, "token").empty()) {
    std::fprintf(stderr, "kumo: login: the answer holds no token\n");
    return exit_unreachable;
  }
  credentials c{url, text_of(*doc, "token"), text_of(*doc, "expires_at")};
  if (auto err = save_credentials(path, c)) {
    std::fprintf(stderr, "kumo: login: %s\n", err->c_str());
    return exit_api_error;
  }
  (*doc)["token"] = "(saved in " + path + ")";
  if (args.has("json"))
    print_json(*doc);
  else
    std::cout << "logged in to " << url << " until " << c.expires_at
              << "; credentials saved in " << path << "\n";
  return exit_ok;
}

exit_code run_logout(const parsed_args& args) {
  auto loaded = saved_credentials();
  if (!loaded) {
    std::fprintf(stderr, "kumo: %s\n", loaded.error().message.c_str());
    return exit_auth;
  }
  const auto& saved = *loaded;
  if (!saved) {
    std::fprintf(stderr, "kumo: logout: not logged in\n");
    return exit_ok;
  }
  http_client client{saved->url, saved->token, args.has("verbose")};
  auto r = client.request("POST", "/api/auth/logout");
  remove_credentials(credentials_path());
  if (!r.reached || (r.status != 200 && r.status != 401))
    return report_failure(r, "logout (credentials removed anyway)", saved->url);
  if (args.has("json"))
    print_json(json{{"logged_out", true}});
  else
    std::cout << "logged out of " << saved->url << "\n";
  return exit_ok;
}

} // namespace kumo::cli
