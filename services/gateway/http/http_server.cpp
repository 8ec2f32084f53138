#include "http/http_server.hpp"

#include "http/http_metrics.hpp"
#include "http/socket_io.hpp"
#include "service_answers.hpp"

#include <algorithm>
#include <cstring>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

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

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// When the request this thread serves had its head read: a connection is
/// served by one thread from its head to the answer the logger sees.
thread_local steady::time_point request_started;

double seconds_since_start() {
  return std::chrono::duration<double>(steady::now() - request_started).count();
}

/// One connection as the HTTP library sees it. The gateway reads each
/// request head itself (bounded in bytes and time) and lets the library read
/// only that head and the body its Content-Length announced: past that the
/// library sees the end of the stream, so no body it reads can grow beyond
/// the checked length, and nothing it reads is compressed or chunked.
class bounded_stream : public httplib::Stream {
public:
  bounded_stream(int fd, milliseconds read_timeout, milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {
    // nop
  }

  bool is_readable() const override {
    return (pos_ < buf_.size() && budget_ > 0) ||
           wait_readable(fd_, read_timeout_);
  }

  bool is_writable() const override {
    return wait_writable(fd_, write_timeout_);
  }

  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, budget_);
    if (size == 0)
      return 0;
    ssize_t n = 0;
    if (pos_ < buf_.size()) {
      n = static_cast<ssize_t>(std::min(size, buf_.size() - pos_));
      std::memcpy(ptr, buf_.data() + pos_, static_cast<size_t>(n));
      pos_ += static_cast<size_t>(n);
    } else {
      auto left = std::min(read_timeout_, until(deadline_));
      if (left.count() <= 0 || !wait_readable(fd_, left))
        return -1;
      n = receive_some(fd_, ptr, size);
    }
    if (n > 0)
      budget_ -= static_cast<size_t>(n);
    return n;
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable())
      return -1;
    return send_some(fd_, ptr, size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    endpoint_of(fd_, true, ip, port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    endpoint_of(fd_, false, ip, port);
  }

  socket_t socket() const override {
    return fd_;
  }

  enum class head_status { ok, idle, closed, too_large, timeout };

  /// Buffers the next request head: waits up to `idle` for its first byte
  /// (giving up early once `running` turns false), then up to `timeout` for
  /// the whole head, which may not exceed `max_bytes`.
  template <class Running>
  head_status read_head(milliseconds idle, milliseconds timeout,
                        size_t max_bytes, Running running) {
    buf_.erase(0, pos_);
    pos_ = 0;
    if (buf_.empty() && !await_first_byte(idle, running))
      return head_status::idle;
    deadline_ = steady::now() + timeout;
    for (;;) {
      if (auto end = find_head_end(buf_)) {
        head_ = *end;
        return *end > max_bytes ? head_status::too_large : head_status::ok;
      }
      if (buf_.size() > max_bytes)
        return head_status::too_large;
      auto left = until(deadline_);
      if (left.count() <= 0 || !wait_readable(fd_, left))
        return head_status::timeout;
      char chunk[4096];
      auto n = receive_some(fd_, chunk, sizeof chunk);
      if (n <= 0)
        return head_status::closed;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  std::string_view head() const {
    return std::string_view{buf_}.substr(0, head_);
  }

  /// Lets the library read the head and `body` bytes after it, the body
  /// within `timeout`.
  void admit(size_t body, milliseconds timeout) {
    budget_ = head_ + body;
    deadline_ = steady::now() + timeout;
  }

  /// Reads past what the library left of the admitted body (a request
  /// refused before its body was read), so the next head starts where it
  /// should. False when the body did not arrive in time.
  bool skip_rest() {
    char sink[4096];
    while (budget_ > 0) {
      if (read(sink, sizeof sink) <= 0)
        return false;
    }
    return true;
  }

private:
  static milliseconds until(steady::time_point t) {
    return std::chrono::duration_cast<milliseconds>(t - steady::now());
  }

  template <class Running>
  bool await_first_byte(milliseconds idle, Running running) {
    constexpr milliseconds slice{100};
    for (auto waited = milliseconds{0}; waited < idle; waited += slice) {
      if (!running())
        return false;
      if (wait_readable(fd_, std::min(slice, idle - waited)))
        return true;
    }
    return false;
  }

  int fd_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  std::string buf_;   ///< received, not yet read by the library
  size_t pos_ = 0;    ///< what the library read of buf_
  size_t head_ = 0;   ///< length of the current head in buf_
  size_t budget_ = 0; ///< bytes the library may still read
  steady::time_point deadline_ = steady::now();
};

const char* reason_phrase(int status) {
  switch (status) {
  case 408:
    return "Request Timeout";
  case 411:
    return "Length Required";
  case 413:
    return "Payload Too Large";
  case 415:
    return "Unsupported Media Type";
  case 431:
    return "Request Header Fields Too Large";
  default:
    return "Bad Request";
  }
}

/// The whole response to a refused head, written without the library.
std::string refusal_response(const head_refusal& why) {
  auto body =
      nlohmann::json{{"error", {{"code", why.code}, {"message", why.message}}}}
          .dump();
  std::string out = "HTTP/1.1 " + std::to_string(why.status) + " " +
                    reason_phrase(why.status) + "\r\n";
  for (const auto& [name, value] : response_headers()) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

/// httplib::Server that reads request heads itself (see bounded_stream) and
/// gives access to its listening socket.
class listening_server : public httplib::Server {
public:
  explicit listening_server(connection_options opts) : opts_(opts) {
    // nop
  }

  int listening_socket() const {
    return svr_sock_;
  }

  /// Counts refused heads in `metrics` too; set before serving.
  void count_refusals(std::shared_ptr<http_metrics> metrics) {
    metrics_ = std::move(metrics);
  }

private:
  bool process_and_close_socket(socket_t sock) override {
    bounded_stream strm{sock, seconds_of(read_timeout_sec_),
                        seconds_of(write_timeout_sec_)};
    auto running = [this] { return svr_sock_ != INVALID_SOCKET; };
    for (size_t served = 0; served < keep_alive_max_count_; ++served) {
      auto got = strm.read_head(seconds_of(keep_alive_timeout_sec_),
                                opts_.head_timeout, opts_.limits.max_head_bytes,
                                running);
      request_started = steady::now();
      std::optional<head_refusal> refusal;
      if (got == bounded_stream::head_status::too_large)
        refusal = head_too_large(opts_.limits);
      else if (got == bounded_stream::head_status::timeout)
        refusal =
            head_refusal{408, "timeout", "request head not received in time"};
      else if (got != bounded_stream::head_status::ok)
        break;
      if (!refusal) {
        auto verdict = check_request_head(strm.head(), opts_.limits);
        refusal = std::move(verdict.refusal);
        strm.admit(verdict.content_length, opts_.body_timeout);
      }
      if (refusal) {
        send_all(sock, refusal_response(*refusal),
                 seconds_of(write_timeout_sec_));
        if (metrics_)
          metrics_->observe_refused(refusal->status, seconds_since_start());
        lingering_close(sock, opts_.linger);
        return true;
      }
      bool closed = false;
      bool last = served + 1 == keep_alive_max_count_;
      if (!process_request(strm, last, closed, nullptr) || closed ||
          !strm.skip_rest())
        break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
  }

  static milliseconds seconds_of(time_t s) {
    return std::chrono::seconds(s);
  }

  connection_options opts_;
  std::shared_ptr<http_metrics> metrics_;
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
      {"http_max_head_bytes", option_kind::integer, "16384",
       "request line and headers of one request, in bytes (beyond: 431)", 1024,
       1 << 20},
      {"http_max_header_lines", option_kind::integer, "100",
       "header lines of one request (beyond: 431)", 8, 10'000},
      {"http_head_timeout", option_kind::duration, "10s",
       "time to send a whole request head (beyond: 408)", 100, 600'000},
      {"http_body_timeout", option_kind::duration, "30s",
       "time to send a whole request body", 100, 600'000},
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

const std::vector<std::pair<std::string, std::string>>& response_headers() {
  static const std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Security-Policy", api_content_security_policy},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Content-Type-Options", "nosniff"},
      {"Cache-Control", "no-store"},
  };
  return headers;
}

connection_options connection_options_from(const settings& cfg) {
  connection_options out;
  auto count = [&](const char* key, size_t& field) {
    if (cfg.has(key))
      field = static_cast<size_t>(cfg.integer(key));
  };
  count("http_max_head_bytes", out.limits.max_head_bytes);
  count("http_max_header_lines", out.limits.max_header_lines);
  if (cfg.has("http_head_timeout"))
    out.head_timeout = milliseconds(cfg.millis("http_head_timeout"));
  if (cfg.has("http_body_timeout"))
    out.body_timeout = milliseconds(cfg.millis("http_body_timeout"));
  return out;
}

http_server::http_server(pool_options pool, connection_options conn)
    : server_(std::make_unique<listening_server>(conn)) {
  server_->new_task_queue = [pool] { return new pool_queue(pool); };
  server_->set_payload_max_length(conn.limits.max_body_bytes);
  httplib::Headers defaults;
  for (const auto& [name, value] : response_headers())
    defaults.emplace(name, value);
  server_->set_default_headers(std::move(defaults));
  server_->set_exception_handler([](const httplib::Request&,
                                    httplib::Response& res,
                                    const std::exception_ptr&) {
    send_error(res, 500, "internal", "internal error");
  });
}

void http_server::count_requests(std::shared_ptr<http_metrics> metrics) {
  static_cast<listening_server&>(*server_).count_refusals(metrics);
  server_->set_logger([metrics =
                           std::move(metrics)](const httplib::Request& req,
                                               const httplib::Response& res) {
    metrics->observe(req.method, req.path, res.status, seconds_since_start());
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
  // Text from a request may reach an error message; invalid UTF-8 in it
  // must not turn the answer into an exception (a 500).
  res.set_content(
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      "application/json");
}

void send_answer(httplib::Response& res, const http_answer& answer) {
  if (answer.status == 503)
    res.set_header("Retry-After", "5");
  send_json(res, answer.body, answer.status);
}

} // namespace kumo::gateway
