#include "args.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace kumo::cli {

namespace {

struct command_spec {
  std::string name;
  std::set<std::string> flags;  ///< options without a value
  std::set<std::string> valued; ///< options with a value
  std::size_t min_positionals;
  std::size_t max_positionals;
  std::string synopsis;
};

constexpr std::size_t many = 10000;

const std::vector<command_spec>& specs() {
  static const std::vector<command_spec> all = {
      {"login",
       {"password-stdin"},
       {},
       0,
       0,
       "login [--url URL] [--password-stdin]"},
      {"logout", {}, {}, 0, 0, "logout"},
      {"add",
       {},
       {"series", "season", "episode", "priority", "name", "folder",
        "provider"},
       1,
       1000,
       "add URL... --series KEY [--season N --episode M] [--priority P]\n"
       "            [--name NAME] [--folder FOLDER] [--provider direct|hls]"},
      {"queue", {"watch"}, {"limit"}, 0, 0, "queue [--watch] [--limit N]"},
      {"pause", {"all"}, {}, 0, many, "pause ID... | pause --all"},
      {"resume", {"all"}, {}, 0, many, "resume ID... | resume --all"},
      {"cancel", {}, {}, 1, many, "cancel ID..."},
      {"retry", {"all"}, {}, 0, many, "retry ID... | retry --all"},
      {"series", {}, {}, 0, 1, "series [KEY]"},
      {"scan", {"wait"}, {}, 0, 1, "scan [KEY] [--wait]"},
      {"health", {}, {}, 0, 0, "health"},
      {"keys", {}, {}, 1, 2, "keys create NAME | keys list | keys revoke ID"},
      {"config",
       {},
       {},
       1,
       many,
       "config get | config set SECTION.FIELD=VALUE... |\n"
       "            config validate SECTION.FIELD=VALUE..."},
  };
  return all;
}

const std::set<std::string> global_flags = {"json", "verbose", "help",
                                            "version"};
const std::set<std::string> global_valued = {"url"};

const command_spec* find_spec(const std::string& name) {
  for (const auto& s : specs())
    if (s.name == name)
      return &s;
  return nullptr;
}

std::optional<usage_error> check_ids(const parsed_args& out) {
  const auto& ids = out.positionals;
  bool takes_all = out.command == "pause" || out.command == "resume" ||
                   out.command == "retry";
  if (takes_all && out.has("all") == !ids.empty())
    return usage_error{out.command + ": give item IDs or --all (not both)"};
  for (const auto& id : ids)
    if (!is_uuid(id))
      return usage_error{
          out.command + ": '" + id + "' is not an item ID " +
          "(a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301)"};
  return std::nullopt;
}

std::optional<usage_error> check_command(const parsed_args& out) {
  const auto* spec = find_spec(out.command);
  auto n = out.positionals.size();
  if (n < spec->min_positionals || n > spec->max_positionals)
    return usage_error{"usage: kumo " + spec->synopsis};
  if (out.command == "pause" || out.command == "resume" ||
      out.command == "cancel" || out.command == "retry")
    return check_ids(out);
  return std::nullopt;
}

} // namespace

std::optional<std::string> parsed_args::get(const std::string& name) const {
  auto i = options.find(name);
  if (i == options.end())
    return std::nullopt;
  return i->second;
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-'
             : !std::isxdigit(static_cast<unsigned char>(text[i])))
      return false;
  }
  return true;
}

std::variant<parsed_args, usage_error>
parse_args(const std::vector<std::string>& args) {
  parsed_args out;
  std::vector<std::string> words;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      words.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h") {
      out.options["help"] = "";
      continue;
    }
    if (a.rfind("--", 0) != 0)
      return usage_error{"unknown option '" + a + "' (see kumo --help)"};
    auto eq = a.find('=');
    auto name =
        a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const auto* spec = words.empty() ? nullptr : find_spec(words.front());
    bool valued =
        global_valued.count(name) > 0 || (spec && spec->valued.count(name) > 0);
    bool flag =
        global_flags.count(name) > 0 || (spec && spec->flags.count(name) > 0);
    if (!valued && !flag)
      return usage_error{"unknown option '--" + name + "'" +
                         (spec ? " for " + spec->name : std::string{}) +
                         " (see kumo --help)"};
    if (flag && eq != std::string::npos)
      return usage_error{"option '--" + name + "' takes no value"};
    if (out.options.count(name) > 0)
      return usage_error{"option '--" + name + "' given twice"};
    if (flag) {
      out.options[name] = "";
    } else if (eq != std::string::npos) {
      out.options[name] = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      out.options[name] = args[++i];
    } else {
      return usage_error{"option '--" + name + "' needs a value"};
    }
  }
  if (out.has("help") || (!words.empty() && words.front() == "help")) {
    out.command = "help";
    if (!words.empty() && words.front() == "help")
      words.erase(words.begin());
    out.positionals = words;
    return out;
  }
  if (out.has("version")) {
    out.command = "version";
    return out;
  }
  if (words.empty())
    return usage_error{"no command given (see kumo --help)"};
  out.command = words.front();
  if (!find_spec(out.command))
    return usage_error{"unknown command '" + out.command +
                       "' (see kumo --help)"};
  out.positionals.assign(words.begin() + 1, words.end());
  if (auto err = check_command(out))
    return *err;
  return out;
}

std::string usage_text(const std::string& command) {
  if (const auto* spec = find_spec(command))
    return "usage: kumo " + spec->synopsis +
           "\n\nGlobal options: --json --verbose --url URL (see kumo --help)\n";
  std::string text = "kumo - the command line of a Kumo gateway\n\nCommands:\n";
  for (const auto& s : specs())
    text += "  kumo " + s.synopsis + "\n";
  text += R"(  kumo help [COMMAND]

Global options:
  --json         print the API's JSON answer (for scripts)
  --url URL      the gateway (default: KUMO_URL, then the one saved by
                 login, then http://127.0.0.1:8080)
  --verbose      print each request's method, URL and status on stderr
                 (never a password, token or key)
  --help, --version

Credentials: `kumo login` saves the gateway URL and a session token in
$XDG_CONFIG_HOME/kumo/credentials (default ~/.config/kumo/credentials,
mode 0600; a file others can read is refused). KUMO_API_KEY (the gateway's
static api_key) overrides the saved token, KUMO_URL the saved URL.

Exit codes:
  0  done (Ctrl-C in `queue --watch` or `scan --wait` also exits 0)
  1  the gateway refused or failed the request (4xx/5xx, failed scan)
  2  bad usage: nothing was sent
  3  the gateway cannot be reached (connection, TLS, timeout, bad reply)
  4  authentication: not logged in, wrong password, expired session
)";
  return text;
}

} // namespace kumo::cli
