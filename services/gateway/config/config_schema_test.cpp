#include "config/config_schema.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using json = nlohmann::json;

namespace {

std::vector<std::string> fields_of(const std::vector<field_error>& errors) {
  std::vector<std::string> out;
  out.reserve(errors.size());
  for (const auto& e : errors)
    out.push_back(e.field);
  return out;
}

} // namespace

TEST(config_schema, good_partial_and_whole_documents_pass) {
  EXPECT_TRUE(validate_config(json::object()).empty());
  EXPECT_TRUE(validate_config({{"queue", {{"max_retries", 0}}}}).empty());
  EXPECT_TRUE(validate_config(with_fallbacks(json::object())).empty());
  EXPECT_TRUE(
      validate_config({{"queue", {{"retry_delays", "500ms, 2m,1h"}}}}).empty());
}

TEST(config_schema, every_bad_field_is_named_with_its_reason) {
  auto errors = validate_config(
      {{"queue",
        {{"max_retries", 101}, {"retry_delays", "5s,soon"}, {"color", 1}}},
       {"nope", {}}});
  auto names = fields_of(errors);
  ASSERT_EQ(errors.size(), 4u) << json(names).dump();
  EXPECT_NE(std::find(names.begin(), names.end(), "queue.max_retries"),
            names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "queue.retry_delays"),
            names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "queue.color"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "nope"), names.end());
}

TEST(config_schema, hostile_values_are_refused) {
  EXPECT_FALSE(validate_config(json::array()).empty());
  EXPECT_FALSE(validate_config("text").empty());
  EXPECT_FALSE(validate_config({{"queue", 5}}).empty());
  EXPECT_FALSE(validate_config({{"queue", {{"max_retries", -1}}}}).empty());
  EXPECT_FALSE(validate_config({{"queue", {{"max_retries", 2.5}}}}).empty());
  EXPECT_FALSE(validate_config({{"queue", {{"max_retries", "3"}}}}).empty());
  EXPECT_FALSE(
      validate_config({{"queue", {{"max_retries", UINT64_MAX}}}}).empty());
  EXPECT_FALSE(validate_config({{"queue", {{"job_rate_limit", -5}}}}).empty());
  EXPECT_FALSE(
      validate_config({{"queue", {{"retry_delays", std::string(10'000, '5')}}}})
          .empty());
  EXPECT_FALSE(validate_config({{"queue", {{"retry_delays", ""}}}}).empty());
  EXPECT_FALSE(validate_config({{"queue", {{"retry_delays", "25h"}}}}).empty());
  auto long_key = validate_config({{std::string(10'000, 'x'), {}}});
  ASSERT_EQ(long_key.size(), 1u);
  EXPECT_LT(long_key[0].field.size(), 100u) << "names are clipped in answers";
}

TEST(config_schema, a_patch_replaces_only_its_fields) {
  auto stored = merge_config(json::object(), {{"queue", {{"max_retries", 7}}}});
  EXPECT_EQ(stored, json({{"queue", {{"max_retries", 7}}}}))
      << "fields never set stay with the service's own options";
  auto next = merge_config(stored, {{"queue", {{"retry_delays", "1s"}}}});
  EXPECT_EQ(next["queue"]["max_retries"], 7);
  EXPECT_EQ(next["queue"]["retry_delays"], "1s");
  EXPECT_EQ(merge_config(next, json::object()), next);
  auto shown = with_fallbacks(stored);
  EXPECT_EQ(shown["queue"]["max_retries"], 7);
  EXPECT_EQ(shown["queue"]["retry_delays"], "5s,15s,45s");
  EXPECT_EQ(shown["queue"]["job_rate_limit"], 0);
}

TEST(config_schema, stored_values_that_no_longer_pass_are_dropped) {
  json stored = {{"queue", {{"max_retries", 1000}, {"retry_delays", "2s"}}},
                 {"gone", {{"x", 1}}}};
  EXPECT_EQ(merge_config(stored, json::object()),
            json({{"queue", {{"retry_delays", "2s"}}}}));
  EXPECT_EQ(with_fallbacks(stored)["queue"]["max_retries"], 3);
}

TEST(config_schema, applied_names_each_field_of_the_patch) {
  auto applied = applied_of({{"queue", {{"max_retries", 1}}}});
  EXPECT_EQ(applied, json({{"queue.max_retries", "live"}}));
  EXPECT_EQ(describe_config().size(), config_fields().size());
}

TEST(config_schema, history_fields_keep_days_and_purge_interval) {
  EXPECT_TRUE(validate_config(
                  {{"history", {{"keep_days", 1}, {"purge_interval_s", 0}}}})
                  .empty());
  EXPECT_TRUE(validate_config({{"history", {{"keep_days", 3650}}}}).empty());
  auto shown = with_fallbacks(json::object());
  EXPECT_EQ(shown["history"]["keep_days"], 30);
  EXPECT_EQ(shown["history"]["purge_interval_s"], 86400);
  // Tried: 0, -5, text, 1e12, 3651, null, a fraction; an interval of -1 and
  // past a year.
  for (const auto& value : {json(0), json(-5), json("x"), json(1e12),
                            json(3651), json(nullptr), json(1.5)})
    EXPECT_EQ(fields_of(validate_config({{"history", {{"keep_days", value}}}})),
              std::vector<std::string>{"history.keep_days"})
        << value.dump();
  for (const auto& value : {json(-1), json(31'536'001)})
    EXPECT_EQ(fields_of(validate_config(
                  {{"history", {{"purge_interval_s", value}}}})),
              std::vector<std::string>{"history.purge_interval_s"})
        << value.dump();
}

TEST(config_schema, storage_fields_take_their_ranges) {
  EXPECT_TRUE(
      validate_config(
          {{"disk", {{"min_free_bytes", 0}, {"min_free_percent", 90}}},
           {"library", {{"storage_limit_bytes", 0}, {"evict_when_full", 1}}}})
          .empty());
  EXPECT_FALSE(validate_config({{"disk", {{"min_free_percent", 91}}}}).empty());
  EXPECT_FALSE(validate_config({{"disk", {{"min_free_bytes", "1"}}}}).empty());
  EXPECT_FALSE(
      validate_config({{"disk", {{"min_free_bytes", (int64_t{1} << 50) + 1}}}})
          .empty());
  EXPECT_FALSE(
      validate_config({{"library", {{"storage_limit_bytes", -1}}}}).empty());
  EXPECT_FALSE(
      validate_config({{"library", {{"evict_when_full", 2}}}}).empty());
  auto shown = with_fallbacks(json::object());
  EXPECT_EQ(shown["disk"]["min_free_bytes"], 2147483648LL);
  EXPECT_EQ(shown["library"]["evict_when_full"], 0);
}
