#pragma once

// A minimal HTTP/1.1 origin on 127.0.0.1 for tests: every request is handed
// to a function that returns the raw answer, so tests can send exactly the
// status lines and headers a misbehaving server would.

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace kumo::downloader::testing {

struct origin_request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers; ///< lowercase names
};

struct origin_response {
  int status = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool send_length = true;                  ///< adds Content-Length
  size_t chunk = 0;                         ///< >0: write the body in pieces
  std::chrono::milliseconds chunk_delay{0}; ///< pause between pieces
};

class test_origin {
public:
  using handler = std::function<origin_response(const origin_request&)>;

  explicit test_origin(handler h) : handler_(std::move(h)) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 16) != 0)
      throw std::runtime_error("test origin: cannot listen on loopback");
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~test_origin() {
    stop_ = true;
    thread_.join();
    for (auto& t : connections_)
      t.join();
    close(listener_);
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// Body bytes the origin handed to its sockets so far (also those a
  /// client closed its connection on before reading them).
  int64_t body_bytes_sent() const {
    return body_bytes_sent_.load();
  }

  /// Every request received so far.
  std::vector<origin_request> requests() {
    std::lock_guard<std::mutex> guard{mutex_};
    return requests_;
  }

private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0)
        continue;
      int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      // One thread per connection, so parallel downloads overlap.
      connections_.emplace_back([this, fd] {
        answer(fd);
        close(fd);
      });
    }
  }

  static std::string lower(std::string s) {
    for (auto& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void answer(int fd) {
    std::string raw;
    char buf[4096];
    while (raw.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0)
        return;
      auto n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        return;
      raw.append(buf, static_cast<size_t>(n));
    }
    origin_request req;
    auto line_end = raw.find("\r\n");
    auto first = raw.substr(0, line_end);
    auto sp1 = first.find(' ');
    auto sp2 = first.find(' ', sp1 + 1);
    req.method = first.substr(0, sp1);
    req.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (true) {
      auto end = raw.find("\r\n", pos);
      if (end == std::string::npos || end == pos)
        break;
      auto line = raw.substr(pos, end - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.erase(0, 1);
        req.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    {
      std::lock_guard<std::mutex> guard{mutex_};
      requests_.push_back(req);
    }
    auto res = handler_(req);
    std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " +
                       res.reason + "\r\nConnection: close\r\n";
    for (auto& [k, v] : res.headers) {
      head += k;
      head += ": ";
      head += v;
      head += "\r\n";
    }
    if (res.send_length)
      head += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    head += "\r\n";
    if (!send_all(fd, head))
      return;
    size_t piece = res.chunk > 0 ? res.chunk : res.body.size();
    for (size_t off = 0; off < res.body.size() && !stop_; off += piece) {
      if (!send_all(fd, res.body.substr(off, piece), &body_bytes_sent_))
        return;
      if (res.chunk_delay.count() > 0)
        std::this_thread::sleep_for(res.chunk_delay);
    }
  }

  static bool send_all(int fd, const std::string& data,
                       std::atomic<int64_t>* counter = nullptr) {
    size_t done = 0;
    while (done < data.size()) {
      auto n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
      if (counter)
        *counter += n;
    }
    return true;
  }

  handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> body_bytes_sent_{0};
  std::thread thread_;
  std::vector<std::thread> connections_; ///< touched by the accept thread only
  std::mutex mutex_;
  std::vector<origin_request> requests_;
};

/// Serves `content` like a static file server: strong ETag, Range and
/// If-Range honoured (If-Range mismatch: 200 with the full file).
inline origin_response static_file(const origin_request& req,
                                   const std::string& content,
                                   const std::string& etag) {
  origin_response res;
  res.headers.emplace_back("ETag", etag);
  auto range = req.headers.find("range");
  auto if_range = req.headers.find("if-range");
  bool honour = range != req.headers.end() &&
                (if_range == req.headers.end() || if_range->second == etag);
  if (!honour) {
    res.body = content;
    return res;
  }
  auto spec = range->second.substr(6); // "bytes=N-" or "bytes=N-M"
  auto from = std::stoll(spec);
  auto dash = spec.find('-');
  long long last = static_cast<long long>(content.size()) - 1;
  if (dash != std::string::npos && dash + 1 < spec.size())
    last = std::min(last, std::stoll(spec.substr(dash + 1)));
  if (from >= static_cast<long long>(content.size())) {
    res.status = 416;
    res.reason = "Range Not Satisfiable";
    res.headers.emplace_back("Content-Range",
                             "bytes */" + std::to_string(content.size()));
    return res;
  }
  res.status = 206;
  res.reason = "Partial Content";
  res.headers.emplace_back("Content-Range", "bytes " + std::to_string(from) +
                                                "-" + std::to_string(last) +
                                                "/" +
                                                std::to_string(content.size()));
  res.body = content.substr(static_cast<size_t>(from),
                            static_cast<size_t>(last - from + 1));
  return res;
}

} // namespace kumo::downloader::testing
