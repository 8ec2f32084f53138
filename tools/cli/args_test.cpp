#include "args.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;

namespace {

const char* const id1 = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

parsed_args ok(const std::vector<std::string>& words) {
  auto r = parse_args(words);
  if (auto* e = std::get_if<usage_error>(&r))
    ADD_FAILURE() << "refused: " << e->message;
  return std::get_if<parsed_args>(&r) ? std::get<parsed_args>(r)
                                      : parsed_args{};
}

std::string refused(const std::vector<std::string>& words) {
  auto r = parse_args(words);
  auto* e = std::get_if<usage_error>(&r);
  return e ? e->message : "(accepted)";
}

TEST(args, global_options_anywhere_and_both_value_spellings) {
  auto a = ok({"--json", "queue", "--url=http://h:1", "--limit", "5"});
  EXPECT_EQ(a.command, "queue");
  EXPECT_TRUE(a.has("json"));
  EXPECT_EQ(a.get("url"), "http://h:1");
  EXPECT_EQ(a.get("limit"), "5");
}

TEST(args, add_takes_urls_and_episode_options) {
  auto a = ok({"add", "http://a/1.mp4", "http://a/2.mp4", "--series", "x",
               "--season", "1", "--episode", "3", "--priority", "high"});
  EXPECT_EQ(a.positionals.size(), 2u);
  EXPECT_EQ(a.get("series"), "x");
  EXPECT_EQ(a.get("season"), "1");
}

TEST(args, double_dash_ends_options) {
  auto a = ok({"add", "--series", "x", "--", "--weird-url"});
  EXPECT_EQ(a.positionals, std::vector<std::string>{"--weird-url"});
}

TEST(args, help_and_version) {
  EXPECT_EQ(ok({"--help"}).command, "help");
  EXPECT_EQ(ok({"-h"}).command, "help");
  auto h = ok({"help", "queue"});
  EXPECT_EQ(h.command, "help");
  EXPECT_EQ(h.positionals, std::vector<std::string>{"queue"});
  EXPECT_EQ(ok({"queue", "--help"}).command, "help");
  EXPECT_EQ(ok({"--version"}).command, "version");
}

TEST(args, refusals_name_the_problem) {
  EXPECT_NE(refused({}).find("no command"), std::string::npos);
  EXPECT_NE(refused({"frobnicate"}).find("unknown command"), std::string::npos);
  EXPECT_NE(refused({"queue", "--bogus"}).find("--bogus"), std::string::npos);
  // An option of another command is unknown here.
  EXPECT_NE(refused({"queue", "--series", "x"}).find("--series"),
            std::string::npos);
  EXPECT_NE(refused({"queue", "--limit"}).find("needs a value"),
            std::string::npos);
  EXPECT_NE(refused({"queue", "--watch=1"}).find("takes no value"),
            std::string::npos);
  EXPECT_NE(refused({"--json", "--json", "health"}).find("twice"),
            std::string::npos);
  EXPECT_NE(refused({"health", "extra"}).find("usage"), std::string::npos);
  EXPECT_NE(refused({"add"}).find("usage"), std::string::npos);
  EXPECT_NE(refused({"-x", "health"}).find("-x"), std::string::npos);
}

TEST(args, the_password_is_never_an_argument) {
  EXPECT_NE(refused({"login", "--password", "secret"}).find("--password"),
            std::string::npos);
  EXPECT_TRUE(ok({"login", "--password-stdin"}).has("password-stdin"));
}

TEST(args, item_commands_need_uuids_or_all) {
  EXPECT_EQ(ok({"pause", id1}).positionals.size(), 1u);
  EXPECT_TRUE(ok({"resume", "--all"}).has("all"));
  EXPECT_TRUE(ok({"retry", "--all"}).has("all"));
  EXPECT_NE(refused({"pause"}).find("--all"), std::string::npos);
  EXPECT_NE(refused({"pause", "--all", id1}).find("not both"),
            std::string::npos);
  EXPECT_NE(refused({"cancel", "--all"}).find("--all"), std::string::npos);
  EXPECT_NE(refused({"cancel", "42"}).find("not an item ID"),
            std::string::npos);
  EXPECT_NE(refused({"cancel", "../../etc"}).find("not an item ID"),
            std::string::npos);
}

TEST(args, uuid_shape) {
  EXPECT_TRUE(is_uuid(id1));
  EXPECT_TRUE(is_uuid("3F2504E0-4F89-11D3-9A0C-0305E82C3301"));
  EXPECT_FALSE(is_uuid("3f2504e0-4f89-11d3-9a0c-0305e82c330"));
  EXPECT_FALSE(is_uuid("3f2504e0x4f89-11d3-9a0c-0305e82c3301"));
  EXPECT_FALSE(is_uuid("3f2504e0-4f89-11d3-9a0c-0305e82c330g"));
}

TEST(args, usage_text_lists_every_exit_code) {
  auto text = usage_text();
  for (auto code : {"0  done", "1  the gateway refused", "2  bad usage",
                    "3  the gateway cannot be reached", "4  authentication"})
    EXPECT_NE(text.find(code), std::string::npos) << code;
  EXPECT_NE(usage_text("scan").find("scan [KEY] [--wait]"), std::string::npos);
}

} // namespace
