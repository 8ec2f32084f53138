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

namespace {

std::string report(const std::string& instance) {
  return nlohmann::json{
      {"service", "queue"}, {"instance", instance}, {"status", "ok"}}
      .dump();
}

} // namespace

TEST(instance_registry, expects_the_instances_seen_before) {
  using namespace std::chrono_literals;
  kumo::gateway::instance_registry reg{60s};
  auto t0 = kumo::gateway::instance_registry::clock::now();
  EXPECT_EQ(reg.expected("queue", t0), 0u); // nothing known: whole window
  EXPECT_TRUE(reg.record("queue", {report("q-1"), report("q-2")}, t0).empty());
  EXPECT_EQ(reg.expected("queue", t0 + 1s), 2u);
  auto missing = reg.record("queue", {report("q-1")}, t0 + 2s);
  EXPECT_EQ(missing, std::vector<std::string>{"q-2"});
  EXPECT_EQ(reg.expected("queue", t0 + 30s), 2u); // still missing, not gone
  EXPECT_EQ(reg.expected("queue", t0 + 61s), 1u); // q-2 forgotten
  EXPECT_EQ(reg.expected("scanner", t0), 0u);
}

TEST(instance_registry, lists_missing_instances_as_down) {
  auto doc = kumo::gateway::summarize_health({{}, {}, {}, {}, {}},
                                             {{}, {}, {"q-1"}, {}, {}});
  const auto& queue = doc["services"]["queue"];
  EXPECT_EQ(queue["status"], "down");
  ASSERT_EQ(queue["instances"].size(), 1u);
  EXPECT_EQ(queue["instances"][0]["status"], "down");
}
