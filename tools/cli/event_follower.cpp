#include "event_follower.hpp"

#include "commands.hpp"
#include "session.hpp"

#include <chrono>
#include <csignal>
#include <thread>

namespace kumo::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) {
  stop_requested = 1;
}

constexpr int max_failures = 5;

} // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() {
  return stop_requested != 0;
}

exit_code follow_events(
    const http_client& client, const std::string& rooms,
    const std::function<std::optional<exit_code>(const sse_event&)>& on_event,
    const std::function<std::optional<exit_code>()>& on_tick,
    const std::function<void(const std::string&)>& on_notice) {
  using clock = std::chrono::steady_clock;
  std::string last_id;
  long retry_ms = 3000;
  int failures = 0;
  while (!interrupted()) {
    std::optional<exit_code> done;
    sse_parser parser{[&](const sse_event& e) {
      if (!done)
        done = on_event(e);
    }};
    bool got_bytes = false;
    auto next_tick = clock::now();
    auto tick = [&] {
      if (clock::now() >= next_tick) {
        if (auto finished = on_tick(); finished && !done)
          done = finished;
        next_tick = clock::now() + std::chrono::milliseconds{100};
      }
      return !interrupted() && !done;
    };
    auto r = client.stream(
        "/api/events?rooms=" + rooms, last_id,
        [&](std::string_view chunk) {
          got_bytes = true;
          parser.feed(chunk);
          return tick();
        },
        tick);
    if (done)
      return *done;
    if (interrupted())
      break;
    if (!parser.last_event_id().empty())
      last_id = parser.last_event_id();
    if (parser.retry_ms() > 0)
      retry_ms = parser.retry_ms();
    if (r.reached && r.status != 200 && r.status != 503)
      return report_failure(r, "event stream", client.base_url());
    failures = got_bytes ? 0 : failures + 1;
    if (failures >= max_failures)
      return report_failure(r, "event stream", client.base_url());
    on_notice(r.reached
                  ? "the event stream ended; reconnecting"
                  : "cannot reach the gateway: " + r.error + "; reconnecting");
    auto until = clock::now() + std::chrono::milliseconds{retry_ms};
    while (!interrupted() && clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return exit_ok;
}

} // namespace kumo::cli
