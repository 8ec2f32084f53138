#include "retry_policy.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;

TEST(retry_policy, default_is_5_15_45_seconds_three_times) {
  retry_policy p;
  EXPECT_EQ(p.next_delay_ms(0, true), 5'000);
  EXPECT_EQ(p.next_delay_ms(1, true), 15'000);
  EXPECT_EQ(p.next_delay_ms(2, true), 45'000);
  EXPECT_EQ(p.next_delay_ms(3, true), std::nullopt);
}

TEST(retry_policy, permanent_failures_never_retry) {
  retry_policy p;
  EXPECT_EQ(p.next_delay_ms(0, false), std::nullopt);
}

TEST(retry_policy, parses_configured_delays) {
  auto p = retry_policy::parse("500ms, 2s,1m", 5);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->delays_ms(), (std::vector<int64_t>{500, 2'000, 60'000}));
  EXPECT_EQ(p->next_delay_ms(2, true), 60'000);
  EXPECT_EQ(p->next_delay_ms(4, true), 60'000) << "the last delay repeats";
  EXPECT_EQ(p->next_delay_ms(5, true), std::nullopt);
  auto zero = retry_policy::parse("1s", 0);
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->next_delay_ms(0, true), std::nullopt);
}

TEST(retry_policy, rejects_bad_configuration) {
  auto p = retry_policy::parse("5s,soon,45s", 3);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("'soon'"), std::string::npos)
      << p.error().message;
  EXPECT_FALSE(retry_policy::parse("", 3));
  EXPECT_FALSE(retry_policy::parse("5s,", 3));
  EXPECT_FALSE(retry_policy::parse("5s", -1));
  EXPECT_FALSE(retry_policy::parse("5s", 101));
  EXPECT_FALSE(retry_policy::parse("48h", 3));
}

TEST(retry_policy, http_status_classification) {
  for (int s : {404, 410, 403, 400, 401, 416})
    EXPECT_EQ(classify_http_status(s), failure_kind::permanent) << s;
  for (int s : {408, 429, 500, 502, 503, 504})
    EXPECT_EQ(classify_http_status(s), failure_kind::transient) << s;
}

TEST(retry_policy, error_kind_classification) {
  for (auto k : {"timeout", "CURLE_OPERATION_TIMEDOUT", "couldnt_connect",
                 "couldnt_resolve_host", "recv_error", "partial_file",
                 "ssl_connect_error", "http_503", "HTTP_429", "something_new"})
    EXPECT_EQ(classify_error_kind(k), failure_kind::transient) << k;
  for (auto k : {"url_malformat", "CURLE_UNSUPPORTED_PROTOCOL",
                 "too_many_redirects", "write_error", "filesize_exceeded",
                 "http_404", "http_410", "http_403", "http_400"})
    EXPECT_EQ(classify_error_kind(k), failure_kind::permanent) << k;
}

TEST(retry_policy, provider_policy_grows_three_times_from_its_base) {
  auto p = retry_policy::exponential(5'000, 3);
  EXPECT_EQ(p.max_retries(), 3);
  EXPECT_EQ(p.delays_ms(), (std::vector<int64_t>{5'000, 15'000, 45'000}))
      << "the default provider values give the queue's default policy";
  EXPECT_EQ(p.next_delay_ms(3, true), std::nullopt);
  auto none = retry_policy::exponential(2'000, 0);
  EXPECT_EQ(none.next_delay_ms(0, true), std::nullopt) << "retries 0: none";
  auto one = retry_policy::exponential(0, 1);
  EXPECT_EQ(one.next_delay_ms(0, true), 0) << "retry_delay 0: at once";
  EXPECT_EQ(one.next_delay_ms(1, true), std::nullopt);
  auto big = retry_policy::exponential(3'600'000, 100);
  EXPECT_EQ(big.max_retries(), 100);
  EXPECT_EQ(big.next_delay_ms(99, true), 86'400'000) << "capped at 24 h";
  EXPECT_EQ(retry_policy::exponential(1'000, 500).max_retries(), 100);
  EXPECT_EQ(retry_policy::exponential(-5, -1).max_retries(), 0)
      << "out-of-range values are clamped, never negative";
}
