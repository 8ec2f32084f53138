#include "service_answers.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using json = nlohmann::json;

namespace {

TEST(service_answers, keeps_the_field_of_an_invalid_argument) {
  auto a = answer_from_reply(
      R"({"error": {"code": "invalid_argument", "message": "limit must be
          between 1 and 200", "field": "limit"}})",
      200, "scanner");
  // A raw newline inside a JSON string is malformed: 502, not a crash.
  EXPECT_EQ(a.status, 502);
  a = answer_from_reply(json{{"error",
                              {{"code", "invalid_argument"},
                               {"message", "limit must be between 1 and 200"},
                               {"field", "limit"}}}}
                            .dump(),
                        200, "scanner");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"]["field"], "limit");
  EXPECT_EQ(a.body["error"]["message"], "limit must be between 1 and 200");
}

TEST(service_answers, maps_scanner_codes) {
  struct row {
    const char* code;
    int status;
  };
  for (auto [code, status] :
       {row{"invalid_argument", 400}, row{"not_found", 404},
        row{"conflict", 409}, row{"unavailable", 503}, row{"internal", 500}}) {
    auto a = answer_from_reply(
        json{{"error", {{"code", code}, {"message", "m"}}}}.dump(), 202,
        "scanner");
    EXPECT_EQ(a.status, status) << code;
    EXPECT_FALSE(a.body["error"].contains("field")) << code;
  }
  auto ok = answer_from_reply(R"({"scan": {"id": 1}})", 202, "scanner");
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body["scan"]["id"], 1);
}

TEST(service_answers, odd_error_shapes_are_500_not_exceptions) {
  for (auto reply : {R"({"error": {"code": 5, "message": "m"}})",
                     R"({"error": {"code": "not_found", "message": ["m"]}})",
                     R"({"error": {"code": null}})",
                     R"({"error": {"code": "invalid_argument", "field": 3}})",
                     R"({"error": {}})"}) {
    http_answer a{0, nullptr};
    ASSERT_NO_THROW(a = answer_from_reply(reply, 200, "scanner")) << reply;
    EXPECT_GE(a.status, 400) << reply;
    EXPECT_TRUE(a.body["error"]["code"].is_string()) << reply;
    EXPECT_TRUE(a.body["error"]["message"].is_string()) << reply;
  }
  EXPECT_EQ(
      answer_from_reply(R"({"error": {"code": 5}})", 200, "scanner").status,
      500);
}

TEST(service_answers, malformed_replies_are_502_naming_the_service) {
  for (auto reply : {"", "garbage", "[1]", "null", "42", "\"x\""}) {
    auto a = answer_from_reply(reply, 200, "scanner");
    EXPECT_EQ(a.status, 502) << reply;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find("scanner"),
              std::string::npos);
  }
}

TEST(service_answers, bus_failures_are_503_naming_the_service) {
  auto gone = answer_from_bus_failure("no_responders", "scanner");
  EXPECT_EQ(gone.status, 503);
  EXPECT_EQ(gone.body["error"]["code"], "unavailable");
  EXPECT_EQ(gone.body["error"]["message"],
            "the scanner service is not running (no responders)");
  EXPECT_EQ(
      answer_from_bus_failure("timeout", "scanner").body["error"]["message"],
      "the scanner service did not answer in time");
}

TEST(service_answers, refusals_are_400_with_the_field) {
  auto a = answer_from_refusal(
      checked_request::invalid({"limit", "limit must be an integer"}));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body, json::parse(R"({"error": {"code": "invalid_argument",
      "message": "limit must be an integer", "field": "limit"}})"));
}

} // namespace
