#include "fetch.hpp"

#include <curl/curl.h>
#include <mutex>
#include <sys/socket.h>

namespace kumo::providers {

namespace {

using easy_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

/// Lives on the stack of get() for one transfer.
struct transfer {
  const address_policy* policy = nullptr;
  std::size_t cap = 0;
  std::string body;
  bool too_big = false;
  std::string blocked; ///< the refused address and why
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  size_t bytes = size * count;
  if (t.body.size() + bytes > t.cap) {
    t.too_big = true;
    return 0;
  }
  t.body.append(data, bytes);
  return bytes;
}

/// Every connection (first request, redirects, each resolved address)
/// passes here: a refused address gets no socket.
curl_socket_t on_open_socket(void* user, curlsocktype purpose,
                             curl_sockaddr* address) {
  auto& t = *static_cast<transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN)
    return CURL_SOCKET_BAD;
  auto ip = from_sockaddr(&address->addr);
  auto why = ip ? t.policy->refusal(*ip) : std::string{"not an IP address"};
  if (!why.empty()) {
    t.blocked = (ip ? ip->to_string() : std::string{"non-IP address"}) +
                " is not allowed: " + why;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC,
                address->protocol);
}

void configure(CURL* easy, const std::string& url, const fetch_limits& lim,
               const std::string& agent, transfer& t, char* errors) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS,
                   static_cast<long>(lim.max_redirects));
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(lim.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(lim.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(lim.max_body_bytes));
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING,
                   ""); // body cap counts decoded bytes
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &t);
}

failure transfer_failure(CURLcode code, const transfer& t,
                         const fetch_limits& lim, const char* errors) {
  if (t.too_big || code == CURLE_FILESIZE_EXCEEDED)
    return invalid("the response is larger than " +
                   std::to_string(lim.max_body_bytes) + " bytes");
  if (!t.blocked.empty())
    return invalid("address " + t.blocked);
  std::string text = errors[0] ? errors : curl_easy_strerror(code);
  switch (code) {
  case CURLE_OPERATION_TIMEDOUT:
    return {errc::timeout,
            "no complete answer within " + std::to_string(lim.timeout.count()) +
                " ms: " + text,
            {}};
  case CURLE_TOO_MANY_REDIRECTS:
    return invalid("more than " + std::to_string(lim.max_redirects) +
                   " redirects");
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return invalid(text);
  default:
    return unavailable(text);
  }
}

} // namespace

fetcher::fetcher(std::shared_ptr<const address_policy> policy,
                 fetch_limits limits, std::string user_agent)
    : policy_(std::move(policy)),
      limits_(limits),
      user_agent_(std::move(user_agent)) {}

result<fetch_response> fetcher::get(const std::string& url) const {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return invalid("'" + url.substr(0, 100) + "' is not an http(s) URL");
  init_curl_once();
  easy_ptr easy{curl_easy_init(), curl_easy_cleanup};
  if (!easy)
    return unavailable("cannot create an HTTP client");
  transfer t;
  t.policy = policy_.get();
  t.cap = limits_.max_body_bytes;
  char errors[CURL_ERROR_SIZE] = {0};
  configure(easy.get(), url, limits_, user_agent_, t, errors);
  auto code = curl_easy_perform(easy.get());
  if (code != CURLE_OK)
    return transfer_failure(code, t, limits_, errors);
  fetch_response out;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &out.status);
  char* type = nullptr;
  if (curl_easy_getinfo(easy.get(), CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
      type)
    out.content_type = type;
  char* final_url = nullptr;
  if (curl_easy_getinfo(easy.get(), CURLINFO_EFFECTIVE_URL, &final_url) ==
          CURLE_OK &&
      final_url)
    out.final_url = final_url;
  if (out.status < 200 || out.status > 299) {
    auto why = "the server answered HTTP " + std::to_string(out.status);
    if (out.status >= 400 && out.status < 500)
      return invalid(why);
    return unavailable(why);
  }
  out.body = std::move(t.body);
  return out;
}

} // namespace kumo::providers
