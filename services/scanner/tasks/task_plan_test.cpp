#include "tasks/task_plan.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const auto defs = scanner_tasks(600000ms);

TEST(task_plan, rescan_follows_the_scan_interval_and_monitor_runs_on_demand) {
  ASSERT_EQ(defs.size(), 4u);
  EXPECT_EQ(defs[0].name, "rescan");
  EXPECT_EQ(defs[0].interval, 600s);
  EXPECT_EQ(scanner_tasks(0ms)[0].interval, 0s);
  EXPECT_EQ(defs[1].name, "monitor_check");
  EXPECT_EQ(defs[1].interval, 0s);
  EXPECT_EQ(defs[2].name, "purge");
  EXPECT_EQ(defs[2].interval, 86400s);
}

TEST(task_plan, a_known_name_is_accepted) {
  auto name = check_task_name(json{{"name", "rescan"}}, defs);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "rescan");
}

TEST(task_plan, hostile_names_are_refused_naming_the_field) {
  // Tried: no body, a number, an empty name, upper case, a path, SQL,
  // 10 000 characters, a control character.
  std::vector<json> bad = {json(nullptr),
                           json{{"name", 7}},
                           json{{"name", ""}},
                           json{{"name", "Rescan"}},
                           json{{"name", "../rescan"}},
                           json{{"name", "rescan'; DROP TABLE x;--"}},
                           json{{"name", std::string(10000, 'a')}},
                           json{{"name", std::string("res\ncan")}}};
  for (const auto& body : bad) {
    auto name = check_task_name(body, defs);
    ASSERT_FALSE(name) << body.dump();
    EXPECT_EQ(name.error().code, errc::invalid_argument) << body.dump();
    EXPECT_EQ(name.error().field, "name");
  }
}

TEST(task_plan, an_unknown_well_formed_name_is_not_found) {
  auto name = check_task_name(json{{"name", "defragment"}}, defs);
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().code, errc::not_found);
}

TEST(task_plan, scan_states_map_to_outcomes) {
  EXPECT_EQ(outcome_of_scan("complete"), "complete");
  EXPECT_EQ(outcome_of_scan("cancelled"), "cancelled");
  EXPECT_EQ(outcome_of_scan("busy"), "skipped");
  EXPECT_EQ(outcome_of_scan("failed"), "failed");
  EXPECT_EQ(outcome_of_scan("whatever"), "failed");
}

TEST(task_plan, the_api_object_tells_state_and_last_run) {
  task_row row;
  row.name = "rescan";
  row.interval_s = 600;
  row.next_run_at = "2026-11-27T16:00:00.000Z";
  auto idle = task_json(defs[0], row);
  EXPECT_EQ(idle["state"], "idle");
  EXPECT_TRUE(idle["last_run"].is_null());
  EXPECT_EQ(idle["scheduled"], true);
  row.run_requested_at = "2026-11-27T15:00:00.000Z";
  EXPECT_EQ(task_json(defs[0], row)["state"], "requested");
  row.running_on = "scanner-1";
  row.last_started_at = "2026-11-27T15:00:01.000Z";
  auto running = task_json(defs[0], row);
  EXPECT_EQ(running["state"], "running");
  EXPECT_EQ(running["running_on"], "scanner-1");
  EXPECT_TRUE(running["last_run"]["outcome"].is_null());
  row.running_on.clear();
  row.run_requested_at.clear();
  row.last_outcome = "complete";
  row.last_summary = {{"files", 3}};
  auto done = task_json(defs[0], row);
  EXPECT_EQ(done["state"], "idle");
  EXPECT_EQ(done["last_run"]["outcome"], "complete");
  EXPECT_EQ(done["last_run"]["summary"]["files"], 3);
}

} // namespace
} // namespace kumo::scanner
