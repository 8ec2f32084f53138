#include "hls_fetch.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/evp.h>
#include <unistd.h>

namespace kumo::downloader {

namespace {

bool transient_status(long status) {
  return status == 408 || status == 425 || status == 429 || status >= 500;
}

fetch_request make_request(const std::string& url,
                           const hls_fetch_settings& s) {
  fetch_request r;
  r.url = url;
  r.user_agent = s.user_agent;
  r.connect_timeout = s.connect_timeout;
  r.stall_timeout = s.stall_timeout;
  r.max_recv_bps = s.max_recv_bps;
  r.policy = s.policy;
  return r;
}

/// Turns fetch()'s result plus the handler's own verdict into an outcome.
hls_fetch_outcome conclude(const fetch_result& r, const std::string& url,
                           const std::string& handler_error,
                           bool handler_transient, bool stop_raised) {
  hls_fetch_outcome out;
  if (stop_raised) {
    out.stopped = true;
    out.error = "stopped";
    return out;
  }
  if (!handler_error.empty()) {
    out.error = handler_error;
    out.transient = handler_transient;
    return out;
  }
  switch (r.status) {
  case fetch_status::finished:
  case fetch_status::stopped: // the handler had all it wanted
    out.ok = true;
    return out;
  case fetch_status::blocked:
    out.transient = false;
    out.error = r.error;
    return out;
  case fetch_status::failed:
    break;
  }
  out.transient = r.transient;
  out.error = r.error + " (" + url.substr(0, 200) + ")";
  return out;
}

/// Collects a small body in memory.
class memory_handler : public fetch_handler {
public:
  memory_handler(std::string* body, size_t max, const std::atomic<bool>* stop)
      : body_(body), max_(max), stop_(stop) {}
  bool on_head(const response_head& head) override {
    if (head.status != 200) {
      error_ = "HTTP " + std::to_string(head.status);
      transient_ = transient_status(head.status);
      return false;
    }
    return true;
  }
  bool on_body(const char* data, size_t size) override {
    if (body_->size() + size > max_) {
      error_ = "response larger than " + std::to_string(max_) + " bytes";
      transient_ = false;
      return false;
    }
    body_->append(data, size);
    return on_tick();
  }
  bool on_tick() override {
    return !(stop_ && stop_->load());
  }
  std::string error_;
  bool transient_ = true;

private:
  std::string* body_;
  size_t max_;
  const std::atomic<bool>* stop_;
};

} // namespace

hls_fetch_outcome fetch_small(const std::string& url, size_t max_bytes,
                              const hls_fetch_settings& settings,
                              std::string* body) {
  body->clear();
  memory_handler handler{body, max_bytes, settings.stop};
  auto r = fetch(make_request(url, settings), handler);
  auto out = conclude(r, url, handler.error_, handler.transient_,
                      settings.stop && settings.stop->load());
  if (!out.ok && !handler.error_.empty())
    out.error += " for " + url.substr(0, 200);
  return out;
}

namespace {

using cipher_ptr =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

/// Writes a segment's body into a file, decrypting it when asked, keeping
/// only the bytes of its byte range.
class segment_handler : public fetch_handler {
public:
  segment_handler(int fd, const segment_request& req,
                  const hls_fetch_settings& s, std::atomic<int64_t>* bytes)
      : fd_(fd),
        req_(req),
        stop_(s.stop),
        bytes_(bytes),
        cipher_(nullptr, &EVP_CIPHER_CTX_free) {
    if (req.key) {
      cipher_.reset(EVP_CIPHER_CTX_new());
      if (!cipher_ ||
          EVP_DecryptInit_ex(cipher_.get(), EVP_aes_128_cbc(), nullptr,
                             req.key->data(), req.iv.data()) != 1)
        fail("cannot set up AES-128 decryption", false);
    }
  }
  bool on_head(const response_head& head) override {
    bool partial = req_.range_offset > 0;
    if (partial && head.status == 206 && head.range &&
        head.range->first == req_.range_offset)
      skip_ = 0;
    else if (head.status == 200)
      skip_ = partial ? req_.range_offset : 0;
    else
      return fail("HTTP " + std::to_string(head.status) + " for segment " +
                      req_.url.substr(0, 200),
                  transient_status(head.status));
    return error_.empty();
  }
  bool on_body(const char* data, size_t size) override {
    auto skipped = std::min<int64_t>(skip_, static_cast<int64_t>(size));
    skip_ -= skipped;
    data += skipped;
    size -= static_cast<size_t>(skipped);
    if (req_.range_offset >= 0)
      size = static_cast<size_t>(
          std::min<int64_t>(static_cast<int64_t>(size), remaining()));
    if (bytes_)
      *bytes_ += static_cast<int64_t>(size);
    received_ += static_cast<int64_t>(size);
    if (!put(reinterpret_cast<const unsigned char*>(data), size))
      return false;
    if (req_.range_offset >= 0 && remaining() == 0)
      return false; // the whole range arrived
    return on_tick();
  }
  bool on_tick() override {
    return !(stop_ && stop_->load());
  }
  /// Flushes the cipher; checks the byte range arrived whole.
  bool finish() {
    if (!error_.empty())
      return false;
    if (req_.range_offset >= 0 && remaining() != 0)
      return fail("segment byte range arrived short", true);
    if (!cipher_)
      return true;
    unsigned char tail[32];
    int n = 0;
    if (EVP_DecryptFinal_ex(cipher_.get(), tail, &n) != 1)
      return fail("segment does not decrypt (wrong key or IV?): " +
                      req_.url.substr(0, 200),
                  false);
    return write_all(tail, static_cast<size_t>(n));
  }
  std::string error_;
  bool transient_ = true;

private:
  int64_t remaining() const {
    return req_.range_length - received_;
  }
  bool fail(const std::string& what, bool transient) {
    if (error_.empty())
      error_ = what, transient_ = transient;
    return false;
  }
  bool put(const unsigned char* data, size_t size) {
    if (!cipher_)
      return write_all(data, size);
    std::vector<unsigned char> plain(size + 32);
    int n = 0;
    if (EVP_DecryptUpdate(cipher_.get(), plain.data(), &n, data,
                          static_cast<int>(size)) != 1)
      return fail("segment does not decrypt", false);
    return write_all(plain.data(), static_cast<size_t>(n));
  }
  bool write_all(const unsigned char* data, size_t size) {
    while (size > 0) {
      auto n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail(
            std::string{"cannot write segment: "} + std::strerror(errno), true);
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  int fd_;
  const segment_request& req_;
  const std::atomic<bool>* stop_;
  std::atomic<int64_t>* bytes_;
  cipher_ptr cipher_;
  int64_t skip_ = 0;
  int64_t received_ = 0;
};

} // namespace

hls_fetch_outcome fetch_segment(const segment_request& req,
                                const std::string& temp_path,
                                const std::string& final_path,
                                const hls_fetch_settings& settings,
                                std::atomic<int64_t>* bytes) {
  hls_fetch_outcome out;
  int fd = open(temp_path.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    out.error =
        "cannot create segment file: " + std::string{std::strerror(errno)};
    return out;
  }
  segment_handler handler{fd, req, settings, bytes};
  auto request = make_request(req.url, settings);
  if (req.range_offset > 0)
    request.range_from = req.range_offset;
  auto r = fetch(request, handler);
  bool stop = settings.stop && settings.stop->load();
  if ((r.status == fetch_status::finished ||
       r.status == fetch_status::stopped) &&
      handler.error_.empty() && !stop)
    handler.finish(); // a failure lands in handler.error_
  out = conclude(r, req.url, handler.error_, handler.transient_,
                 settings.stop && settings.stop->load());
  if (out.ok && (fdatasync(fd) != 0 ||
                 ::rename(temp_path.c_str(), final_path.c_str()) != 0)) {
    out.ok = false;
    out.error = "cannot keep segment: " + std::string{std::strerror(errno)};
  }
  close(fd);
  if (!out.ok)
    unlink(temp_path.c_str());
  return out;
}

} // namespace kumo::downloader
