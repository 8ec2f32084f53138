#include "admin_requests.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;
using nlohmann::json;

TEST(admin_requests, assignments_become_a_partial_document) {
  auto patch = config_patch({"queue.max_retries=5", "queue.retry_delays=1s,5s",
                             "queue.job_rate_limit=-1"});
  ASSERT_TRUE(std::holds_alternative<json>(patch));
  EXPECT_EQ(std::get<json>(patch), json({{"queue",
                                          {{"max_retries", 5},
                                           {"retry_delays", "1s,5s"},
                                           {"job_rate_limit", -1}}}}));
}

TEST(admin_requests, malformed_assignments_are_usage_errors) {
  for (const char* bad :
       {"max_retries=5", "queue.max_retries", ".x=1", "queue.=1", "=5"})
    EXPECT_TRUE(std::holds_alternative<usage_error>(config_patch({bad})))
        << bad;
  EXPECT_TRUE(std::holds_alternative<usage_error>(config_patch({})));
}

TEST(admin_requests, huge_numbers_travel_as_text_for_the_gateway_to_refuse) {
  auto patch = config_patch({"queue.max_retries=99999999999999999999999"});
  ASSERT_TRUE(std::holds_alternative<json>(patch));
  EXPECT_TRUE(std::get<json>(patch)["queue"]["max_retries"].is_string());
}

TEST(admin_requests, key_ids_are_positive_numbers) {
  EXPECT_EQ(std::get<long long>(key_id("42")), 42);
  for (const char* bad : {"", "0", "-1", "4x", "1e3", "9999999999999999999"})
    EXPECT_TRUE(std::holds_alternative<usage_error>(key_id(bad))) << bad;
}

TEST(admin_requests, listings_hide_terminal_escapes) {
  json keys = {{"keys",
                {{{"id", 1},
                  {"name", "evil\x1b[2J"},
                  {"prefix", "kumo_abcdef"},
                  {"created_at", "2026-01-01T00:00:00Z"},
                  {"last_used_at", nullptr}}}}};
  auto text = format_keys(keys);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("never"), std::string::npos);
  EXPECT_EQ(format_config({{"config", {{"queue", {{"max_retries", 3}}}}}}),
            "queue.max_retries = 3\n");
}
