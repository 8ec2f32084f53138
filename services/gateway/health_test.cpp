#include "health.hpp"
#include "kumo/bus.hpp"
#include "kumo/wire.hpp"

#include <gtest/gtest.h>

namespace {

std::string report(const std::string& svc, const std::string& status) {
  kumo::wire::health_report r;
  r.service = svc;
  r.instance = svc + "-1";
  r.version = "0.1.0";
  r.status = status;
  r.uptime_seconds = 3.5;
  return kumo::encode(r);
}

TEST(health, all_services_up_is_ok) {
  std::vector<std::vector<std::string>> replies;
  for (const auto& s : kumo::gateway::known_services())
    replies.push_back({report(s, "ok")});
  auto doc = kumo::gateway::summarize_health(replies);
  EXPECT_EQ(doc["status"], "ok");
  EXPECT_EQ(doc["services"]["queue"]["status"], "up");
  EXPECT_EQ(doc["services"]["queue"]["version"], "0.1.0");
}

TEST(health, a_silent_service_is_down_and_garbage_is_ignored) {
  std::vector<std::vector<std::string>> replies;
  for (const auto& s : kumo::gateway::known_services())
    replies.push_back({report(s, "ok")});
  replies[2] = {"{not json"};
  replies[3].push_back(report("downloader", "degraded"));
  auto doc = kumo::gateway::summarize_health(replies);
  EXPECT_EQ(doc["status"], "degraded");
  EXPECT_EQ(doc["services"]["queue"]["status"], "down");
  EXPECT_EQ(doc["services"]["downloader"]["status"], "up");
  EXPECT_EQ(doc["services"]["downloader"]["instances"].size(), 2u);
}

TEST(health, only_degraded_instances_mean_degraded) {
  std::vector<std::vector<std::string>> replies(5);
  replies[1] = {report("scanner", "degraded")};
  auto doc = kumo::gateway::summarize_health(replies);
  EXPECT_EQ(doc["services"]["scanner"]["status"], "degraded");
  EXPECT_EQ(doc["services"]["gateway"]["status"], "down");
}

} // namespace
