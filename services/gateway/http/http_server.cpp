#include "http/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

namespace kumo::gateway {

namespace {

/// httplib's task queue, backed by the elastic pool.
class pool_queue : public httplib::TaskQueue {
public:
  explicit pool_queue(pool_options opts) : pool_(opts) {
    // nop
  }

  void enqueue(std::function<void()> fn) override {
    pool_.enqueue(std::move(fn));
  }

  void shutdown() override {
    pool_.shutdown();
  }

private:
  elastic_pool pool_;
};

/// httplib::Server with access to its listening socket. The library listens
/// with a backlog of 5: too few when many browsers reconnect their event
/// streams at once (after a gateway restart), so start() widens it.
class listening_server : public httplib::Server {
public:
  int listening_socket() const {
    return svr_sock_;
  }
};

constexpr int accept_backlog = 1024;

} // namespace

std::vector<option> http_server_options() {
  return {
      {"http_idle_threads", option_kind::integer, "4",
       "HTTP threads kept waiting when idle", 1, 1024},
      {"http_api_threads", option_kind::integer, "64",
       "HTTP threads beyond the event streams' share", 1, 10'000},
      // Address space only: untouched stack pages cost no memory (500 idle
      // streams: same RSS with 256 KiB and 8 MiB stacks). std::regex route
      // matching recurses once per path character; an authenticated request
      // with an 8 KiB path (the library's limit) needs 4-6 MiB in a Debug
      // build, so a smaller stack lets one request crash the process.
      {"http_thread_stack", option_kind::integer, "8388608",
       "stack size of an HTTP thread in bytes", 65'536, 64LL << 20},
      {"http_thread_idle", option_kind::duration, "30s",
       "quiet time before a surplus HTTP thread ends", 100, 3'600'000},
      {"http_max_threads", option_kind::integer, "0",
       "cap on HTTP threads (0: sse_max_clients + http_api_threads)", 0,
       100'000},
  };
}

pool_options pool_options_from(const settings& cfg) {
  pool_options out;
  if (cfg.has("http_idle_threads"))
    out.idle_threads = static_cast<size_t>(cfg.integer("http_idle_threads"));
  size_t api = cfg.has("http_api_threads")
                   ? static_cast<size_t>(cfg.integer("http_api_threads"))
                   : 64;
  size_t streams = cfg.has("sse_max_clients")
                       ? static_cast<size_t>(cfg.integer("sse_max_clients"))
                       : 1000;
  out.max_threads = api + streams;
  if (cfg.has("http_max_threads") && cfg.integer("http_max_threads") > 0)
    out.max_threads = static_cast<size_t>(cfg.integer("http_max_threads"));
  if (cfg.has("http_thread_stack"))
    out.stack_size = static_cast<size_t>(cfg.integer("http_thread_stack"));
  if (cfg.has("http_thread_idle"))
    out.idle_timeout =
        std::chrono::milliseconds(cfg.millis("http_thread_idle"));
  return out;
}

http_server::http_server(pool_options pool)
    : server_(std::make_unique<listening_server>()) {
  server_->new_task_queue = [pool] { return new pool_queue(pool); };
  server_->set_payload_max_length(1 << 20);
  server_->set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, "internal", "internal error");
      });
}

http_server::~http_server() {
  stop();
}

int http_server::start(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host)
                        : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return -1;
  // Calling listen() again on a listening socket only changes its backlog.
  ::listen(static_cast<listening_server&>(*server_).listening_socket(),
           accept_backlog);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void http_server::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  send_json(res, {{"error", {{"code", code}, {"message", message}}}}, status);
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

} // namespace kumo::gateway
