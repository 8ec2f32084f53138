#include "http_client.hpp"

#include <cctype>
#include <cstdio>
#include <curl/curl.h>
#include <memory>
#include <utility>

namespace kumo::cli {

namespace {

constexpr std::size_t max_body = 64 << 20;

using easy_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using slist_ptr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

/// What the write and progress callbacks of one transfer share.
struct transfer {
  CURL* easy = nullptr;
  http_result* result = nullptr;
  const std::function<bool(std::string_view)>* on_bytes = nullptr;
  const std::function<bool()>* keep_going = nullptr;
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<transfer*>(user);
  auto n = size * count;
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (t->on_bytes != nullptr && status == 200)
    return (*t->on_bytes)(std::string_view{data, n}) ? n : 0;
  if (t->result->body.size() + n > max_body)
    return 0;
  t->result->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<transfer*>(user);
  std::string line{data, size * count};
  const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    for (auto& c : head)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == name) {
      auto value = line.substr(name.size());
      auto first = value.find_first_not_of(" \t");
      auto last = value.find_last_not_of(" \t\r\n");
      t->result->retry_after = first == std::string::npos
                                   ? ""
                                   : value.substr(first, last - first + 1);
    }
  }
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<transfer*>(user);
  return t->keep_going != nullptr && !(*t->keep_going)() ? 1 : 0;
}

} // namespace

http_client::http_client(std::string base_url, std::string token, bool verbose,
                         http_timeouts timeouts)
    : base_url_(std::move(base_url)),
      token_(std::move(token)),
      verbose_(verbose),
      timeouts_(timeouts) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
}

std::string http_client::escape(const std::string& text) {
  char* out =
      curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  if (out == nullptr)
    return {};
  std::string result{out};
  curl_free(out);
  return result;
}

namespace {

/// Runs one prepared transfer; fills reached/status/error.
void perform(CURL* easy, http_result& result, const std::string& what,
             bool verbose) {
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  auto rc = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.status);
  result.reached = result.status != 0;
  if (rc != CURLE_OK) {
    result.error = error[0] != 0 ? error : curl_easy_strerror(rc);
    if (rc == CURLE_WRITE_ERROR && result.status != 200)
      result.error = "the answer is larger than 64 MiB";
    if (rc == CURLE_OPERATION_TIMEDOUT || result.status == 0)
      result.reached = false;
  }
  if (verbose)
    std::fprintf(stderr, "kumo: %s -> %ld%s%s\n", what.c_str(), result.status,
                 result.error.empty() ? "" : ": ", result.error.c_str());
}

} // namespace

http_result http_client::request(const std::string& method,
                                 const std::string& path,
                                 const std::string* json_body) const {
  http_result result;
  easy_ptr easy{curl_easy_init(), &curl_easy_cleanup};
  if (!easy) {
    result.error = "cannot initialize libcurl";
    return result;
  }
  transfer t{easy.get(), &result, nullptr, nullptr};
  auto url = base_url_ + path;
  curl_slist* list = curl_slist_append(nullptr, "Accept: application/json");
  if (json_body != nullptr)
    list = curl_slist_append(list, "Content-Type: application/json");
  if (!token_.empty())
    list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
  slist_ptr headers{list, &curl_slist_free_all};
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeouts_.connect);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, timeouts_.request);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  if (json_body != nullptr) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, json_body->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(json_body->size()));
  } else if (method == "POST") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
  }
  perform(e, result, method + " " + url, verbose_);
  return result;
}

http_result
http_client::stream(const std::string& path, const std::string& last_event_id,
                    const std::function<bool(std::string_view)>& on_bytes,
                    const std::function<bool()>& keep_going) const {
  http_result result;
  easy_ptr easy{curl_easy_init(), &curl_easy_cleanup};
  if (!easy) {
    result.error = "cannot initialize libcurl";
    return result;
  }
  bool stopped = false;
  std::function<bool(std::string_view)> bytes = [&](std::string_view chunk) {
    stopped = !on_bytes(chunk);
    return !stopped;
  };
  std::function<bool()> going = [&] {
    stopped = stopped || !keep_going();
    return !stopped;
  };
  transfer t{easy.get(), &result, &bytes, &going};
  auto url = base_url_ + path;
  curl_slist* list = curl_slist_append(nullptr, "Accept: text/event-stream");
  if (!last_event_id.empty())
    list = curl_slist_append(list, ("Last-Event-ID: " + last_event_id).c_str());
  if (!token_.empty())
    list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
  slist_ptr headers{list, &curl_slist_free_all};
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeouts_.connect);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, timeouts_.stream_idle);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
  perform(e, result, "GET " + url, verbose_);
  // A stream ended by the caller is not an error.
  if (stopped)
    result.error.clear();
  return result;
}

} // namespace kumo::cli
