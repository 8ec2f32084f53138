#include "http_fetch.hpp"

#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <sys/socket.h>

namespace kumo::downloader {

namespace {

using easy_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using slist_ptr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

constexpr long buffer_size = 256L * 1024;

/// Lives on the stack of fetch() for the duration of one transfer.
struct transfer_state {
  CURL* easy = nullptr;
  fetch_handler* handler = nullptr;
  const address_policy* policy = nullptr;
  bool head_seen = false;
  bool stopped = false;
  std::string blocked_address;
  std::string blocked_reason;
};

std::string header_value(CURL* easy, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
    return {};
  return h->value ? h->value : "";
}

response_head read_head(CURL* easy) {
  response_head head;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &head.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) ==
      CURLE_OK)
    head.content_length = length;
  auto range = header_value(easy, "Content-Range");
  head.has_range_header = !range.empty();
  if (head.has_range_header)
    head.range = parse_content_range(range);
  head.validator = choose_validator(header_value(easy, "ETag"),
                                    header_value(easy, "Last-Modified"));
  return head;
}

bool deliver_head(transfer_state& st) {
  if (st.head_seen)
    return true;
  st.head_seen = true;
  if (!st.handler->on_head(read_head(st.easy)))
    st.stopped = true;
  return !st.stopped;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& st = *static_cast<transfer_state*>(user);
  size_t bytes = size * count;
  if (!deliver_head(st))
    return 0;
  if (!st.handler->on_body(data, bytes)) {
    st.stopped = true;
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& st = *static_cast<transfer_state*>(user);
  if (!st.handler->on_tick()) {
    st.stopped = true;
    return 1;
  }
  return 0;
}

curl_socket_t on_open_socket(void* user, curlsocktype purpose,
                             curl_sockaddr* address) {
  auto& st = *static_cast<transfer_state*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN)
    return CURL_SOCKET_BAD;
  auto ip = from_sockaddr(&address->addr);
  auto why = ip ? st.policy->refusal(*ip) : std::string{"not an IP address"};
  if (!why.empty()) {
    st.blocked_address = ip ? ip->to_string() : "non-IP address";
    st.blocked_reason = why;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC,
                address->protocol);
}

void configure(CURL* easy, const fetch_request& req, transfer_state& st,
               curl_slist* headers, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS,
                   static_cast<long>(req.max_redirects));
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, req.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(
      easy, CURLOPT_LOW_SPEED_TIME,
      std::max(1L, static_cast<long>(req.stall_timeout.count() / 1000)));
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, buffer_size);
  if (req.max_recv_bps > 0)
    curl_easy_setopt(easy, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(req.max_recv_bps));
  if (req.range_from > 0 || req.range_to >= 0 || req.open_range) {
    auto range = std::to_string(req.range_from) + "-" +
                 (req.range_to >= 0 ? std::to_string(req.range_to) : "");
    curl_easy_setopt(easy, CURLOPT_RANGE, range.c_str()); // copied by libcurl
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &st);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &st);
}

} // namespace

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_transient_curl_error(int code) {
  switch (static_cast<CURLcode>(code)) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_TOO_MANY_REDIRECTS:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_LOGIN_DENIED:
  case CURLE_REMOTE_ACCESS_DENIED:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_FILESIZE_EXCEEDED:
    return false;
  default:
    return true;
  }
}

fetch_result fetch(const fetch_request& req, fetch_handler& handler) {
  init_curl();
  easy_ptr easy{curl_easy_init(), curl_easy_cleanup};
  if (!easy)
    return {fetch_status::failed, true, "cannot create an HTTP client"};
  slist_ptr headers{nullptr, curl_slist_free_all};
  // No Accept-Encoding: offsets must be those of the file itself.
  headers.reset(
      curl_slist_append(headers.release(), "Accept-Encoding: identity"));
  if ((req.range_from > 0 || req.range_to >= 0 || req.open_range) &&
      !req.if_range.empty()) {
    auto line = "If-Range: " + req.if_range;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  transfer_state st;
  st.easy = easy.get();
  st.handler = &handler;
  st.policy = req.policy;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  configure(easy.get(), req, st, headers.get(), error_buffer);
  auto code = curl_easy_perform(easy.get());
  if (st.stopped)
    return {fetch_status::stopped, false, {}};
  if (code == CURLE_OK) {
    if (!deliver_head(st))
      return {fetch_status::stopped, false, {}};
    return {fetch_status::finished, false, {}};
  }
  if (code == CURLE_COULDNT_CONNECT && !st.blocked_address.empty())
    return {fetch_status::blocked, false,
            "address " + st.blocked_address +
                " is not allowed: " + st.blocked_reason};
  std::string text = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  return {fetch_status::failed, is_transient_curl_error(code), text};
}

} // namespace kumo::downloader
