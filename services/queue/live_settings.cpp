#include "live_settings.hpp"

namespace kumo::queue {

namespace {

using json = nlohmann::json;

/// The comma-separated form retry_policy::parse reads back.
std::string delays_text(const std::vector<int64_t>& delays_ms) {
  std::string out;
  for (auto ms : delays_ms)
    out += (out.empty() ? "" : ",") + std::to_string(ms) + "ms";
  return out;
}

} // namespace

live_settings::live_settings(retry_policy retries, int64_t job_rate_limit_bps)
    : retries_(std::move(retries)), job_rate_limit_bps_(job_rate_limit_bps) {
  // nop
}

retry_policy live_settings::retries() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return retries_;
}

int64_t live_settings::job_rate_limit_bps() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return job_rate_limit_bps_;
}

result<std::vector<std::string>> live_settings::apply(const json& doc) {
  if (!doc.is_object() || !doc.contains("queue"))
    return std::vector<std::string>{};
  const auto& q = doc["queue"];
  if (!q.is_object())
    return invalid("must be an object", "queue");
  std::lock_guard<std::mutex> guard{mutex_};
  auto max = static_cast<int64_t>(retries_.max_retries());
  auto delays = delays_text(retries_.delays_ms());
  auto rate = job_rate_limit_bps_;
  if (q.contains("max_retries")) {
    if (!q["max_retries"].is_number_integer())
      return invalid("must be an integer", "queue.max_retries");
    max = q["max_retries"].get<int64_t>();
  }
  if (q.contains("retry_delays")) {
    if (!q["retry_delays"].is_string())
      return invalid("must be a string", "queue.retry_delays");
    delays = q["retry_delays"].get<std::string>();
  }
  if (q.contains("job_rate_limit")) {
    const auto& v = q["job_rate_limit"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      return invalid("must be an integer >= 0", "queue.job_rate_limit");
    rate = v.get<int64_t>();
  }
  auto policy = retry_policy::parse(delays, max);
  if (!policy)
    return invalid(policy.error().message, "queue.retry_delays");
  std::vector<std::string> changed;
  if (policy->max_retries() != retries_.max_retries())
    changed.emplace_back("queue.max_retries");
  if (policy->delays_ms() != retries_.delays_ms())
    changed.emplace_back("queue.retry_delays");
  if (rate != job_rate_limit_bps_)
    changed.emplace_back("queue.job_rate_limit");
  retries_ = std::move(*policy);
  job_rate_limit_bps_ = rate;
  return changed;
}

} // namespace kumo::queue
