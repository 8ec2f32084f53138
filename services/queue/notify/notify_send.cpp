#include "notify_send.hpp"

#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <sys/socket.h>

namespace kumo::queue::notify {

namespace {

using easy_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using slist_ptr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

struct send_state {
  const address_policy* policy = nullptr;
  std::string refused; ///< why a resolved address was refused
};

curl_socket_t open_checked(void* user, curlsocktype purpose,
                           curl_sockaddr* address) {
  auto& st = *static_cast<send_state*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN)
    return CURL_SOCKET_BAD;
  auto ip = from_sockaddr(&address->addr);
  auto why = ip ? st.policy->refusal(*ip) : std::string{"not an IP address"};
  if (!why.empty()) {
    st.refused = "address " + (ip ? ip->to_string() : std::string{"?"}) +
                 " is not allowed: " + why +
                 " (allow it with KUMO_NOTIFY_ALLOW_CIDRS)";
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC,
                address->protocol);
}

size_t drop_body(char*, size_t size, size_t count, void*) {
  return size * count;
}

void configure(CURL* easy, const http_call& call, curl_slist* headers,
               send_state& st, std::chrono::milliseconds timeout) {
  curl_easy_setopt(easy, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "kumo-notify");
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, drop_body);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_checked);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &st);
  if (call.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(call.body.size()));
  }
}

} // namespace

attempt_result send_call(const http_call& call, const address_policy& policy,
                         std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  easy_ptr easy{curl_easy_init(), curl_easy_cleanup};
  if (!easy)
    return {0, "cannot create an HTTP client"};
  slist_ptr headers{nullptr, curl_slist_free_all};
  for (const auto& line : call.headers)
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  // No "Expect: 100-continue" round trip for small bodies.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  send_state st{&policy, {}};
  configure(easy.get(), call, headers.get(), st, timeout);
  auto code = curl_easy_perform(easy.get());
  if (!st.refused.empty())
    return {0, st.refused};
  if (code != CURLE_OK)
    return {0, curl_easy_strerror(code)};
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (is_delivered(status))
    return {status, {}};
  return {status, "HTTP status " + std::to_string(status)};
}

} // namespace kumo::queue::notify
