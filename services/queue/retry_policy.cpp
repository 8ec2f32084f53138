#include "retry_policy.hpp"

#include "kumo/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kumo::queue {

namespace {

std::string normalize_kind(std::string_view kind) {
  std::string out{kind};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (out.rfind("curle_", 0) == 0)
    out.erase(0, 6);
  return out;
}

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

} // namespace

retry_policy::retry_policy() : retry_policy({5'000, 15'000, 45'000}, 3) {
  // nop
}

retry_policy::retry_policy(std::vector<int64_t> delays_ms, int max_retries)
    : delays_ms_(std::move(delays_ms)), max_retries_(max_retries) {
  if (delays_ms_.empty())
    delays_ms_.push_back(0);
}

result<retry_policy> retry_policy::parse(const std::string& delays,
                                         int64_t max_retries) {
  if (max_retries < 0 || max_retries > 100)
    return invalid("max_retries must be 0..100");
  std::vector<int64_t> parsed;
  size_t start = 0;
  while (start <= delays.size()) {
    auto comma = delays.find(',', start);
    auto part = trimmed(delays.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    auto ms = parse_duration_ms(part);
    if (!ms || *ms < 0 || *ms > 86'400'000)
      return invalid("retry delay '" + part +
                     "' is not a duration like 5s "
                     "(0..24h)");
    parsed.push_back(*ms);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return retry_policy{std::move(parsed), static_cast<int>(max_retries)};
}

retry_policy retry_policy::exponential(int64_t base_ms, int64_t retries) {
  constexpr int64_t max_delay_ms = 86'400'000;
  constexpr int64_t factor = 3;
  auto count = static_cast<int>(std::clamp<int64_t>(retries, 0, 100));
  std::vector<int64_t> delays;
  int64_t delay = std::clamp<int64_t>(base_ms, 0, max_delay_ms);
  for (int i = 0; i < std::max(count, 1); ++i) {
    delays.push_back(delay);
    delay = delay > max_delay_ms / factor ? max_delay_ms : delay * factor;
  }
  return retry_policy{std::move(delays), count};
}

std::optional<int64_t> retry_policy::next_delay_ms(int retries_so_far,
                                                   bool transient) const {
  if (!transient || retries_so_far < 0 || retries_so_far >= max_retries_)
    return std::nullopt;
  auto index =
      std::min(static_cast<size_t>(retries_so_far), delays_ms_.size() - 1);
  return delays_ms_[index];
}

failure_kind classify_http_status(int status) {
  if (status == 408 || status == 425 || status == 429 ||
      (status >= 500 && status <= 599))
    return failure_kind::transient;
  return failure_kind::permanent;
}

failure_kind classify_error_kind(std::string_view kind) {
  auto k = normalize_kind(kind);
  if (k.rfind("http_", 0) == 0) {
    auto digits = k.substr(5);
    if (!digits.empty() && digits.size() <= 3 &&
        std::all_of(digits.begin(), digits.end(),
                    [](unsigned char c) { return std::isdigit(c); }))
      return classify_http_status(std::stoi(digits));
  }
  static constexpr std::array<const char*, 12> permanent{
      "url_malformat",
      "unsupported_protocol",
      "too_many_redirects",
      "write_error",
      "filesize_exceeded",
      "login_denied",
      "remote_access_denied",
      "remote_file_not_found",
      "bad_content_encoding",
      "not_found",
      "forbidden",
      "invalid_source"};
  for (auto* p : permanent)
    if (k == p)
      return failure_kind::permanent;
  return failure_kind::transient;
}

} // namespace kumo::queue
