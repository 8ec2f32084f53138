#include "commands.hpp"
#include "event_follower.hpp"
#include "format.hpp"
#include "session.hpp"
#include "terminal_text.hpp"
#include "watch_board.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sys/ioctl.h>
#include <unistd.h>

namespace kumo::cli {

using nlohmann::json;

namespace {

volatile std::sig_atomic_t resized = 0;

extern "C" void on_resize(int) {
  resized = 1;
}

/// The live view on a terminal: redrawn in place, one line per download.
class terminal_view {
public:
  explicit terminal_view(std::string header) : header_(std::move(header)) {
    std::signal(SIGWINCH, &on_resize);
    write("\x1b[?25l"); // hide the cursor while drawing
  }

  ~terminal_view() {
    write("\x1b[?25h");
  }

  terminal_view(const terminal_view&) = delete;
  terminal_view& operator=(const terminal_view&) = delete;

  void draw(const watch_board& board, const std::string& notice) {
    winsize ws{};
    std::size_t cols = 80;
    std::size_t rows = 24;
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      cols = ws.ws_col;
      rows = ws.ws_row > 0 ? ws.ws_row : rows;
    }
    // One column spare: a full-width line would make some terminals wrap.
    auto width = cols > 1 ? cols - 1 : cols;
    std::string out;
    if (resized != 0) {
      resized = 0;
      out += "\x1b[H\x1b[2J"; // old lines may have wrapped: start afresh
    } else if (drawn_ > 0) {
      out += "\x1b[" + std::to_string(drawn_) + "F";
    }
    std::vector<std::string> lines{fit_to_width(header_, width)};
    for (auto& line : board.render(width, rows > 3 ? rows - 3 : 1))
      lines.push_back(std::move(line));
    if (!notice.empty())
      lines.push_back(fit_to_width(notice, width));
    for (const auto& line : lines)
      out += "\x1b[2K" + line + "\n";
    out += "\x1b[J";
    write(out);
    drawn_ = lines.size();
  }

private:
  static void write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  std::string header_;
  std::size_t drawn_ = 0;
};

void print_event_json(const sse_event& e) {
  auto data = json::parse(e.data, nullptr, false);
  if (!data.is_discarded())
    print_json(json{{"event", e.type}, {"id", e.id}, {"data", data}});
}

} // namespace

exit_code run_queue_watch(const parsed_args& args, const http_client& client) {
  install_interrupt_handlers();
  auto first = call_json(client, "GET", "/api/queue/status?limit=200", nullptr,
                         "queue status");
  if (auto* code = std::get_if<exit_code>(&first))
    return *code;
  watch_board board;
  board.load_queue(std::get<json>(first));
  bool json_mode = args.has("json");
  bool tty = !json_mode && ::isatty(STDOUT_FILENO) != 0;
  std::optional<terminal_view> view;
  std::string notice;
  bool dirty = true;
  if (tty)
    view.emplace("kumo queue at " + client.base_url() + "  (Ctrl-C to quit)");
  else if (!json_mode)
    for (const auto& r : board.rows())
      std::cout << render_plain(r) << "\n" << std::flush;
  auto on_event = [&](const sse_event& e) -> std::optional<exit_code> {
    if (json_mode) {
      print_event_json(e);
      return std::nullopt;
    }
    if (!board.apply(e))
      return std::nullopt;
    notice.clear();
    dirty = true;
    if (!tty)
      for (const auto& id : board.touched())
        for (const auto& r : board.rows())
          if (r.id == id)
            std::cout << render_plain(r) << "\n" << std::flush;
    return std::nullopt;
  };
  auto on_tick = [&]() -> std::optional<exit_code> {
    if (view && (dirty || resized != 0))
      view->draw(board, notice);
    dirty = false;
    return std::nullopt;
  };
  auto on_notice = [&](const std::string& text) {
    notice = "(" + text + ")";
    dirty = true;
    if (!tty)
      std::cerr << "kumo: " << text << "\n";
  };
  on_tick();
  auto code = follow_events(client, "downloads,download_progress", on_event,
                            on_tick, on_notice);
  on_tick();
  return code;
}

namespace {

/// The scan object inside an event record (the record itself when it
/// carries `state`, else its `metadata`).
json scan_of_record(const json& record) {
  if (record.is_object() && record.contains("state"))
    return record;
  if (record.is_object() && record.contains("metadata") &&
      record["metadata"].is_object())
    return record["metadata"];
  return json::object();
}

bool same_scan(const json& record, const std::string& scan_id) {
  if (scan_id.empty())
    return true;
  auto id = id_of(record, "id");
  return id == scan_id || id == "scan:" + scan_id ||
         id_of(scan_of_record(record), "id") == scan_id;
}

void print_scan_progress(const json& scan, bool tty) {
  auto line = format_scan(scan);
  line.pop_back(); // its '\n'
  if (tty)
    std::cout << "\r\x1b[2K" << fit_to_width(line, 79) << std::flush;
  else
    std::cout << line << "\n" << std::flush;
}

std::optional<exit_code> finish_scan(const parsed_args& args,
                                     const std::string& type,
                                     const json& record) {
  auto scan = scan_of_record(record);
  if (args.has("json"))
    print_json(json{{"event", type}, {"data", record}});
  else
    std::cout << "\n" << format_scan(scan) << std::flush;
  return type == "scan_complete" ? exit_ok : exit_api_error;
}

/// The scan `scan_id` from GET /api/library/scan once it has ended;
/// nullopt while it runs or when the gateway cannot tell.
std::optional<json> finished_scan(const http_client& client,
                                  const std::string& scan_id) {
  auto r = client.request("GET", "/api/library/scan");
  if (!r.reached || r.status != 200 || !r.error.empty())
    return std::nullopt;
  auto doc = json::parse(r.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("last") || !doc["last"].is_object())
    return std::nullopt;
  const auto& last = doc["last"];
  auto state = text_of(last, "state");
  if (id_of(last, "id") != scan_id || state.empty() || state == "running")
    return std::nullopt;
  return last;
}

} // namespace

exit_code run_scan_wait(const parsed_args& args, const http_client& client,
                        const json& scan) {
  install_interrupt_handlers();
  auto state = text_of(scan, "state");
  if (!state.empty() && state != "running") {
    std::cout << format_scan(scan);
    return state == "complete" ? exit_ok : exit_api_error;
  }
  auto scan_id = id_of(scan, "id");
  bool tty = !args.has("json") && ::isatty(STDOUT_FILENO) != 0;
  auto on_event = [&](const sse_event& e) -> std::optional<exit_code> {
    auto doc = json::parse(e.data, nullptr, false);
    if (!doc.is_object())
      return std::nullopt;
    if (e.type == "init" && doc.contains("recent") && doc["recent"].is_array())
      for (const auto& record : doc["recent"]) {
        auto s = text_of(scan_of_record(record), "state");
        if (same_scan(record, scan_id) && !s.empty() && s != "running")
          return finish_scan(
              args, s == "complete" ? "scan_complete" : "scan_failed", record);
      }
    if (!doc.contains("data") || !same_scan(doc["data"], scan_id))
      return std::nullopt;
    if (e.type == "scan_complete" || e.type == "scan_failed")
      return finish_scan(args, e.type, doc["data"]);
    if (e.type == "scan_progress" && args.has("json"))
      print_json(json{{"event", e.type}, {"data", doc["data"]}});
    else if (e.type == "scan_progress")
      print_scan_progress(scan_of_record(doc["data"]), tty);
    return std::nullopt;
  };
  // The events may never tell (no progress service, or the scan ended
  // before the stream opened and left its recent list): the scan's own
  // state is asked too, every two seconds.
  auto next_check = std::chrono::steady_clock::now();
  auto on_tick = [&]() -> std::optional<exit_code> {
    if (std::chrono::steady_clock::now() < next_check)
      return std::nullopt;
    next_check = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    auto last = finished_scan(client, scan_id);
    if (!last)
      return std::nullopt;
    auto s = text_of(*last, "state");
    return finish_scan(args, s == "complete" ? "scan_complete" : "scan_failed",
                       *last);
  };
  return follow_events(
      client, "scan_progress", on_event, on_tick,
      [](const std::string& text) { std::cerr << "kumo: " << text << "\n"; });
}

} // namespace kumo::cli
