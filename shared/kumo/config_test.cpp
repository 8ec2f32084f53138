#include "kumo/config.hpp"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <map>

namespace {

using kumo::option;
using kumo::option_kind;

std::vector<option> schema() {
  return {
      {"nats_url", option_kind::url, "nats://127.0.0.1:4222", "NATS"},
      {"database_url", option_kind::url, std::nullopt, "PostgreSQL", INT64_MIN,
       INT64_MAX, true},
      {"jobs", option_kind::integer, "4", "parallel jobs", 1, 64},
      {"lease", option_kind::duration, "30s", "lease", 1000, 600'000},
      {"verbose", option_kind::boolean, "false", "verbose"},
  };
}

kumo::env_lookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto i = vars.find(k);
    if (i == vars.end())
      return std::nullopt;
    return i->second;
  };
}

/// The failure of loading `vars`, with the offending option as `key`.
struct problem {
  std::string key;
  std::string message;
};

problem error_of(const std::map<std::string, std::string>& vars) {
  auto r = kumo::load_settings(schema(), env_of(vars));
  EXPECT_FALSE(r);
  if (r)
    return {};
  EXPECT_EQ(r.error().code, kumo::errc::invalid_argument);
  return {r.error().field, r.error().message};
}

TEST(config, defaults_apply_and_env_wins) {
  auto r = kumo::load_settings(
      schema(), env_of({{"KUMO_DATABASE_URL", "postgresql://a@b/c"},
                        {"KUMO_JOBS", "8"}}));
  ASSERT_TRUE(r);
  auto& s = *r;
  EXPECT_EQ(s.integer("jobs"), 8);
  EXPECT_EQ(s.millis("lease"), 30'000);
  EXPECT_FALSE(s.boolean("verbose"));
  EXPECT_EQ(s.text("nats_url"), "nats://127.0.0.1:4222");
}

TEST(config, missing_required_value_names_the_variable) {
  auto e = error_of({});
  EXPECT_EQ(e.key, "database_url");
  EXPECT_NE(e.message.find("KUMO_DATABASE_URL is required"), std::string::npos);
}

TEST(config, out_of_range_integer_is_rejected) {
  auto e =
      error_of({{"KUMO_DATABASE_URL", "postgresql://x"}, {"KUMO_JOBS", "0"}});
  EXPECT_EQ(e.key, "jobs");
  EXPECT_NE(e.message.find("[1, 64]"), std::string::npos);
}

TEST(config, garbage_values_are_rejected) {
  EXPECT_EQ(
      error_of({{"KUMO_DATABASE_URL", "postgresql://x"}, {"KUMO_JOBS", "4x"}})
          .key,
      "jobs");
  EXPECT_EQ(error_of({{"KUMO_DATABASE_URL", "postgresql://x"},
                      {"KUMO_LEASE", "soon"}})
                .key,
            "lease");
  EXPECT_EQ(error_of({{"KUMO_DATABASE_URL", "postgresql://x"},
                      {"KUMO_VERBOSE", "maybe"}})
                .key,
            "verbose");
  EXPECT_EQ(error_of({{"KUMO_DATABASE_URL", "localhost"}}).key, "database_url");
}

TEST(config, secret_values_are_not_echoed) {
  auto e = error_of({{"KUMO_DATABASE_URL", "hunter2"}});
  EXPECT_EQ(e.message.find("hunter2"), std::string::npos);
  auto r = kumo::load_settings(
      schema(), env_of({{"KUMO_DATABASE_URL", "postgresql://u:pw@h/d"}}));
  auto printable = (*r).printable();
  EXPECT_EQ(printable["database_url"], "[redacted]");
}

TEST(config, file_is_below_env_and_rejects_unknown_keys) {
  auto path = std::string{testing::TempDir()} + "kumo_config_test.json";
  {
    std::ofstream out{path};
    out << R"({"database_url": "postgresql://file", "jobs": 3})";
  }
  auto r = kumo::load_settings(
      schema(), env_of({{"KUMO_CONFIG", path}, {"KUMO_JOBS", "5"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r).text("database_url"), "postgresql://file");
  EXPECT_EQ((*r).integer("jobs"), 5);
  {
    std::ofstream out{path};
    out << R"({"database_url": "postgresql://file", "jbos": 3})";
  }
  EXPECT_EQ(error_of({{"KUMO_CONFIG", path}}).key, "jbos");
  {
    std::ofstream out{path};
    out << "{not json";
  }
  EXPECT_EQ(error_of({{"KUMO_CONFIG", path}}).key, "config");
  EXPECT_EQ(error_of({{"KUMO_CONFIG", path + ".missing"}}).key, "config");
  std::remove(path.c_str());
}

TEST(config, durations_parse) {
  EXPECT_EQ(kumo::parse_duration_ms("250ms"), 250);
  EXPECT_EQ(kumo::parse_duration_ms("5s"), 5000);
  EXPECT_EQ(kumo::parse_duration_ms("2m"), 120'000);
  EXPECT_EQ(kumo::parse_duration_ms("1500"), 1500);
  EXPECT_FALSE(kumo::parse_duration_ms("-1s"));
  EXPECT_FALSE(kumo::parse_duration_ms("5 s"));
  EXPECT_FALSE(kumo::parse_duration_ms(""));
}

} // namespace
