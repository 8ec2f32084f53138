#include "providers/health/provider_health.hpp"

#include <gtest/gtest.h>

namespace kumo::providers::health {
namespace {

/// A fake clock: milliseconds since the epoch, moved by the test.
struct fake_clock {
  int64_t now = 1'800'000'000'000;
  void advance(int64_t ms) {
    now += ms;
  }
};

const request_outcome ok{true, 100, 1000, ""};
const request_outcome bad{false, 300, 0, "HTTP 503"};

breaker_options opts(int threshold = 3, int64_t cooldown = 10'000) {
  return {threshold, cooldown};
}

/// Records `outcome` `n` times at `now`.
void record_n(provider_health& h, const request_outcome& outcome, int n,
              int64_t now, const breaker_options& o = opts()) {
  for (int i = 0; i < n; ++i)
    h.record(outcome, now, o);
}

/// Opens the breaker (threshold failures at `now`).
void trip(provider_health& h, int64_t now) {
  record_n(h, bad, opts().failure_threshold, now);
}

/// Opens the breaker and lets the cool-down pass: half-open at clock.now.
void trip_to_half_open(provider_health& h, fake_clock& clock) {
  trip(h, clock.now);
  clock.advance(opts().cooldown_ms);
  ASSERT_EQ(h.refresh(clock.now, opts()), breaker_state::half_open);
}

TEST(ProviderHealth, CountsRequestsRatesBytesAndLastError) {
  fake_clock clock;
  provider_health h{"direct"};
  EXPECT_EQ(h.success_rate(), 100.0);
  EXPECT_EQ(h.average_response_ms(), 0.0);
  record_n(h, ok, 2, clock.now);
  clock.advance(5);
  h.record(bad, clock.now, opts());
  h.record(ok, clock.now, opts());
  auto doc = h.to_json(clock.now, opts());
  EXPECT_EQ(doc["requests"], 4);
  EXPECT_EQ(doc["successes"], 3);
  EXPECT_EQ(doc["failures"], 1);
  EXPECT_DOUBLE_EQ(doc["success_rate"].get<double>(), 75.0);
  EXPECT_DOUBLE_EQ(doc["average_response_ms"].get<double>(), 150.0);
  EXPECT_EQ(doc["bytes"], 3000);
  EXPECT_EQ(doc["consecutive_failures"], 0);
  EXPECT_EQ(doc["last_error"], "HTTP 503");
  EXPECT_EQ(doc["last_error_at"], "2027-01-15T08:00:00.005Z");
  EXPECT_EQ(doc["breaker"], "closed");
}

TEST(ProviderHealth, UptimeCoversTheLastSixtyMinutesOnly) {
  fake_clock clock;
  provider_health h{"direct"};
  record_n(h, bad, 2, clock.now, opts(100));
  clock.advance(int64_t{30} * 60'000);
  record_n(h, ok, 2, clock.now, opts(100));
  EXPECT_DOUBLE_EQ(h.uptime_percent(clock.now), 50.0);
  clock.advance(int64_t{31} * 60'000); // the failures' minute left the window
  EXPECT_DOUBLE_EQ(h.uptime_percent(clock.now), 100.0);
  clock.advance(int64_t{60} * 60'000); // nothing in the window
  EXPECT_DOUBLE_EQ(h.uptime_percent(clock.now), 100.0);
  EXPECT_DOUBLE_EQ(h.success_rate(), 50.0); // totals are not windowed
}

TEST(ProviderHealth, BreakerOpensAfterThresholdConsecutiveFailures) {
  fake_clock clock;
  provider_health h{"direct"};
  EXPECT_EQ(h.record(bad, clock.now, opts()), std::nullopt);
  EXPECT_EQ(h.record(bad, clock.now, opts()), std::nullopt);
  h.record(ok, clock.now, opts()); // a success breaks the run
  EXPECT_EQ(h.record(bad, clock.now, opts()), std::nullopt);
  EXPECT_EQ(h.record(bad, clock.now, opts()), std::nullopt);
  EXPECT_EQ(h.record(bad, clock.now, opts()), breaker_state::open);
  EXPECT_EQ(h.state(), breaker_state::open);
  EXPECT_FALSE(h.try_acquire(clock.now, opts()));
  EXPECT_FALSE(h.available(clock.now, opts()));
  EXPECT_EQ(h.record(bad, clock.now, opts()), std::nullopt); // stays open
}

TEST(ProviderHealth, MissingResourcesNeverOpenTheBreaker) {
  fake_clock clock;
  provider_health h{"direct"};
  const request_outcome gone{false, 20, 0, "HTTP 404"};
  const request_outcome removed{false, 20, 0, "the server answered HTTP 410"};
  record_n(h, gone, 10, clock.now);
  record_n(h, removed, 10, clock.now);
  EXPECT_EQ(h.state(), breaker_state::closed) << "20 missing files";
  EXPECT_EQ(h.requests(), 0) << "neither a success nor a failure";
  record_n(h, bad, 2, clock.now);
  h.record(gone, clock.now, opts()); // the provider answered
  record_n(h, bad, 2, clock.now);
  EXPECT_EQ(h.state(), breaker_state::closed);
  EXPECT_EQ(h.record(bad, clock.now, opts()), breaker_state::open)
      << "503s still open it";
}

TEST(ProviderHealth, OnlyNotFoundAndGoneAreMissingResources) {
  EXPECT_TRUE(is_missing_resource("HTTP 404"));
  EXPECT_TRUE(is_missing_resource("http_410"));
  EXPECT_TRUE(is_missing_resource("segment 3: HTTP 404 for segment x"));
  EXPECT_FALSE(is_missing_resource("HTTP 4040"));
  EXPECT_FALSE(is_missing_resource("HTTP 503"));
  EXPECT_FALSE(is_missing_resource("HTTP 403"));
  EXPECT_FALSE(is_missing_resource("timeout"));
  EXPECT_FALSE(is_missing_resource(""));
}

TEST(ProviderHealth, HalfOpenAfterCooldownLetsOneProbeThrough) {
  fake_clock clock;
  provider_health h{"direct"};
  trip(h, clock.now);
  clock.advance(9'999);
  EXPECT_EQ(h.refresh(clock.now, opts()), std::nullopt);
  clock.advance(1);
  EXPECT_EQ(h.refresh(clock.now, opts()), breaker_state::half_open);
  EXPECT_EQ(h.refresh(clock.now, opts()), std::nullopt);
  EXPECT_TRUE(h.try_acquire(clock.now, opts()));  // the probe
  EXPECT_FALSE(h.try_acquire(clock.now, opts())); // a second one waits
  EXPECT_FALSE(h.available(clock.now, opts()));
  EXPECT_EQ(h.record(ok, clock.now, opts()), breaker_state::closed);
  EXPECT_TRUE(h.try_acquire(clock.now, opts()));
  EXPECT_TRUE(h.try_acquire(clock.now, opts()));
}

TEST(ProviderHealth, FailedProbeOpensAgainForAnotherCooldown) {
  fake_clock clock;
  provider_health h{"direct"};
  trip_to_half_open(h, clock);
  ASSERT_TRUE(h.try_acquire(clock.now, opts()));
  clock.advance(500);
  EXPECT_EQ(h.record(bad, clock.now, opts()), breaker_state::open);
  clock.advance(9'999);
  EXPECT_EQ(h.refresh(clock.now, opts()), std::nullopt);
  clock.advance(1);
  EXPECT_EQ(h.refresh(clock.now, opts()), breaker_state::half_open);
}

TEST(ProviderHealth, ProbeThatNeverReportsFreesItsSlotAfterCooldown) {
  fake_clock clock;
  provider_health h{"direct"};
  trip_to_half_open(h, clock);
  ASSERT_TRUE(h.try_acquire(clock.now, opts()));
  clock.advance(9'000);
  EXPECT_FALSE(h.try_acquire(clock.now, opts()));
  clock.advance(1'000);
  EXPECT_TRUE(h.try_acquire(clock.now, opts()));
}

TEST(ProviderHealth, StateRoundTripsThroughJson) {
  fake_clock clock;
  provider_health h{"hls"};
  trip(h, clock.now);
  h.record(ok, clock.now, opts(100));
  trip(h, clock.now);
  auto back = provider_health::from_state("hls", h.to_state());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(clock.now, opts()), h.to_json(clock.now, opts()));
  EXPECT_EQ(back->state(), breaker_state::open);
  clock.advance(10'000);
  EXPECT_EQ(back->refresh(clock.now, opts()), breaker_state::half_open);
}

TEST(ProviderHealth, HostileStoredStateReadsAsDefaults) {
  // Not an object: refused. Wrong types and negative counts: ignored.
  EXPECT_FALSE(provider_health::from_state("x", nlohmann::json::array()));
  auto h =
      provider_health::from_state("x", {{"successes", -5},
                                        {"failures", "many"},
                                        {"breaker", "sideways"},
                                        {"minutes", {{1, 2}, "x", {1, 2, 3}}}});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->requests(), 0);
  EXPECT_EQ(h->state(), breaker_state::closed);
}

TEST(ProviderHealth, ResetClosesAndForgets) {
  fake_clock clock;
  provider_health h{"direct"};
  trip(h, clock.now);
  EXPECT_EQ(h.reset(), breaker_state::closed);
  EXPECT_EQ(h.requests(), 0);
  EXPECT_EQ(h.reset(), std::nullopt);
  EXPECT_EQ(h.name(), "direct");
}

TEST(ProviderHealth, AvailableAndBestRankProviders) {
  fake_clock clock;
  provider_health direct{"direct"}, rss{"rss"}, hls{"hls"}, ytdlp{"ytdlp"};
  direct.record(ok, clock.now, opts());
  direct.record(bad, clock.now, opts());
  rss.record({true, 50, 10, ""}, clock.now, opts());
  trip(hls, clock.now);
  std::vector<candidate> all{{"direct", true, 1, &direct},
                             {"rss", true, 2, &rss},
                             {"hls", true, 3, &hls},
                             {"ytdlp", false, 4, &ytdlp}};
  EXPECT_EQ(available_providers(all, clock.now, opts()),
            (std::vector<std::string>{"direct", "rss"}));
  // Priority first: direct (1) although rss has the better success rate.
  EXPECT_EQ(best_provider(all, clock.now, opts()), "direct");
  all[1].priority = 1; // same priority: the success rate decides
  EXPECT_EQ(best_provider(all, clock.now, opts()), "rss");
  all[1].enabled = false;
  EXPECT_EQ(best_provider(all, clock.now, opts()), "direct");
  all[0].enabled = false;
  EXPECT_EQ(best_provider(all, clock.now, opts()), std::nullopt);
  EXPECT_NE(no_best_reason(all).find("breaker"), std::string::npos);
  for (auto& c : all)
    c.enabled = false;
  EXPECT_EQ(no_best_reason(all), "every provider is disabled");
  EXPECT_EQ(no_best_reason({}), "no provider is configured");
}

TEST(ProviderHealth, BestWithoutAnyDataIsTheFirstByPriority) {
  // Fresh providers (no requests, no stored state): still ranked.
  std::vector<provider_health> fresh{provider_health{"direct"},
                                     provider_health{"rss"}};
  std::vector<candidate> all{{"rss", true, 2, &fresh[1]},
                             {"direct", true, 1, &fresh[0]},
                             {"hls", true, 3, nullptr}};
  EXPECT_EQ(best_provider(all, 1'800'000'000'000, opts()), "direct");
  all[1].enabled = false;
  EXPECT_EQ(best_provider(all, 1'800'000'000'000, opts()), "rss");
}

} // namespace
} // namespace kumo::providers::health
