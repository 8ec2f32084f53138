// The provider request contracts against hostile values: every refusal names
// the field, and a refused update carries no partial change.

#include "kumo/contracts/provider_requests.hpp"

#include <gtest/gtest.h>

using namespace kumo::contracts;
using json = nlohmann::json;

namespace {

void expect_update_refused(const json& body, const std::string& field) {
  auto r = parse_provider_update(body);
  ASSERT_FALSE(r) << "accepted: " << body.dump();
  EXPECT_EQ(r.error().field, field) << r.error().message;
  EXPECT_NE(r.error().message.find(field.empty() ? "body" : field),
            std::string::npos)
      << r.error().message;
}

json update(json settings) {
  return {{"name", "direct"}, {"settings", std::move(settings)}};
}

} // namespace

TEST(provider_requests_contract, an_update_round_trips_and_applies) {
  auto r = parse_provider_update(update({{"timeout_s", 60},
                                         {"enabled", false},
                                         {"bandwidth_limit_bps", 0},
                                         {"max_connections", 8}}));
  ASSERT_TRUE(r) << r.error().message;
  auto again = parse_provider_update(to_json(*r));
  ASSERT_TRUE(again);
  EXPECT_EQ(to_json(*again), to_json(*r));
  provider_settings before{"direct"};
  auto after = r->applied_to(before);
  EXPECT_EQ(after.timeout_s, 60);
  EXPECT_FALSE(after.enabled);
  EXPECT_EQ(after.max_connections, 8);
  EXPECT_EQ(after.retries, before.retries) << "untouched settings stay";
  EXPECT_EQ(to_json(after)["name"], "direct");
}

TEST(provider_requests_contract, hostile_updates_are_refused_by_field) {
  expect_update_refused(json::array(), "");
  expect_update_refused({{"settings", {{"retries", 1}}}}, "name");
  expect_update_refused({{"name", "Direct"}, {"settings", {{"retries", 1}}}},
                        "name");
  expect_update_refused({{"name", "../etc"}, {"settings", {{"retries", 1}}}},
                        "name");
  expect_update_refused(
      {{"name", std::string(33, 'a')}, {"settings", {{"retries", 1}}}}, "name");
  expect_update_refused({{"name", "direct"}}, "settings");
  expect_update_refused(update(json::object()), "settings");
  expect_update_refused(update("fast"), "settings");
  expect_update_refused(update({{"timeout_s", 0}}), "settings.timeout_s");
  expect_update_refused(update({{"timeout_s", 86401}}), "settings.timeout_s");
  expect_update_refused(update({{"timeout_s", "30"}}), "settings.timeout_s");
  expect_update_refused(update({{"timeout_s", 1.5}}), "settings.timeout_s");
  expect_update_refused(update({{"retries", -1}}), "settings.retries");
  expect_update_refused(update({{"retry_delay_s", true}}),
                        "settings.retry_delay_s");
  expect_update_refused(update({{"max_concurrent", -1}}),
                        "settings.max_concurrent");
  expect_update_refused(update({{"max_concurrent", 1001}}),
                        "settings.max_concurrent");
  expect_update_refused(update({{"bandwidth_limit_bps", -5}}),
                        "settings.bandwidth_limit_bps");
  expect_update_refused(update({{"max_connections", 65}}),
                        "settings.max_connections");
  expect_update_refused(update({{"priority", 0}}), "settings.priority");
  expect_update_refused(update({{"enabled", "yes"}}), "settings.enabled");
  expect_update_refused(update({{"retries", 1}, {"colour", "red"}}),
                        "settings.colour");
  expect_update_refused(update({{"retries", 18446744073709551615u}}),
                        "settings.retries");
}

TEST(provider_requests_contract, lower_bounds_hold_for_values_read_from_text) {
  // JSON text makes 0 an unsigned number; it must still be below the
  // minimum of 1.
  for (const char* key : {"timeout_s", "priority", "max_connections"}) {
    auto body =
        json::parse(std::string{R"({"name": "direct", "settings": {")"} + key +
                    R"(": 0}})");
    auto r = parse_provider_update(body);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().field, std::string{"settings."} + key);
  }
}

TEST(provider_requests_contract, max_concurrent_zero_means_unlimited) {
  auto r = parse_provider_update(
      {{"name", "direct"}, {"settings", {{"max_concurrent", 0}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->applied_to({}).max_concurrent, 0);
  EXPECT_EQ(provider_settings{}.max_concurrent, 0) << "unlimited by default";
}

TEST(provider_requests_contract, names_are_checked_for_shape) {
  EXPECT_TRUE(parse_provider_name({{"name", "ytdlp"}}));
  EXPECT_EQ(parse_provider_name({{"name", ""}}).error().field, "name");
  EXPECT_EQ(parse_provider_name({{"name", 5}}).error().field, "name");
  EXPECT_EQ(parse_provider_name({{"name", "a\nb"}}).error().field, "name");
  EXPECT_EQ(parse_provider_name("direct").error().field, "");
}
