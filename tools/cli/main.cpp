// kumo: the command line of a Kumo gateway (docs/cli.md).

#include "args.hpp"
#include "commands.hpp"

#include <cstdio>
#include <curl/curl.h>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace kumo::cli;

exit_code dispatch(const parsed_args& args) {
  const auto& c = args.command;
  if (c == "help") {
    std::cout << usage_text(args.positionals.empty() ? std::string{}
                                                     : args.positionals[0]);
    return exit_ok;
  }
  if (c == "version") {
    std::cout << "kumo " << KUMO_VERSION << "\n";
    return exit_ok;
  }
  if (c == "login")
    return run_login(args);
  if (c == "logout")
    return run_logout(args);
  if (c == "add")
    return run_add(args);
  if (c == "queue")
    return run_queue(args);
  if (c == "pause" || c == "resume" || c == "cancel")
    return run_item_action(args);
  if (c == "retry")
    return run_retry(args);
  if (c == "series")
    return run_series(args);
  if (c == "scan")
    return run_scan(args);
  if (c == "keys")
    return run_keys(args);
  if (c == "config")
    return run_config(args);
  return run_health(args);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  auto parsed = parse_args(words);
  if (auto* err = std::get_if<usage_error>(&parsed)) {
    std::fprintf(stderr, "kumo: %s\n", err->message.c_str());
    return exit_usage;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "kumo: cannot initialize libcurl\n");
    return exit_unreachable;
  }
  auto code = dispatch(std::get<parsed_args>(parsed));
  curl_global_cleanup();
  return code;
}
