#include "kumo/log.hpp"

#include <gtest/gtest.h>

TEST(log, one_json_object_with_fields) {
  kumo::log::init("queue", kumo::log::level::info);
  auto line =
      kumo::log::format(kumo::log::level::warn, "hello", {{"job", "j1"}});
  auto doc = nlohmann::json::parse(line);
  EXPECT_EQ(doc["level"], "warn");
  EXPECT_EQ(doc["service"], "queue");
  EXPECT_EQ(doc["msg"], "hello");
  EXPECT_EQ(doc["job"], "j1");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(log, secrets_are_redacted) {
  auto line =
      kumo::log::format(kumo::log::level::info, "login",
                        {{"password", "hunter2"}, {"session_token", "abc"}});
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_EQ(line.find("abc"), std::string::npos);
  EXPECT_EQ(kumo::log::redact_url("postgresql://kumo:pw@127.0.0.1/kumo"),
            "postgresql://kumo:***@127.0.0.1/kumo");
  EXPECT_EQ(kumo::log::redact_url("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222");
}
