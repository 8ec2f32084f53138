#include "options.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::downloader;
namespace fs = std::filesystem;

namespace {

settings defaults(const std::string& root) {
  settings s;
  for (const auto& opt : option_schema())
    if (opt.default_value)
      s.set(opt.key, *opt.default_value, false);
  s.set("library_root", root, false);
  s.set("request_timeout", "5s", false);
  s.set("shutdown_grace", "20s", false);
  s.set("instance", "host-1", false);
  return s;
}

} // namespace

TEST(options, reads_defaults_and_resolves_the_root) {
  auto dir = fs::temp_directory_path() / "kumo-options-test";
  fs::create_directories(dir);
  auto o = read_options(defaults(dir.string() + "/."));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->library_root, fs::canonical(dir).string());
  EXPECT_EQ(o->jobs, 2);
  EXPECT_EQ(o->claim_interval, std::chrono::milliseconds{2000});
  EXPECT_EQ(o->stall_timeout, std::chrono::milliseconds{30000});
  EXPECT_TRUE(o->fetch_allow.empty());
  EXPECT_EQ(o->worker, "host-1");
  EXPECT_EQ(o->user_agent.rfind("kumo-downloader/", 0), 0u);
  // Six HLS segments at once: as many connections as a browser opens to
  // one host, enough for a 10-minute VOD from an origin that paces every
  // connection to take at most half of ffmpeg's time (docs/benchmarks.md).
  EXPECT_EQ(o->media.hls_parallel, 6);
  fs::remove_all(dir);
}

TEST(options, the_library_root_must_be_an_existing_directory) {
  auto missing = read_options(defaults("/nonexistent/kumo-library"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::invalid_argument);
  EXPECT_EQ(missing.error().field, "library_root");
  EXPECT_EQ(missing.error().message,
            "'/nonexistent/kumo-library' does not exist");
  auto file = fs::temp_directory_path() / "kumo-options-file";
  std::ofstream{file} << "x";
  auto not_dir = read_options(defaults(file.string()));
  ASSERT_FALSE(not_dir);
  EXPECT_NE(not_dir.error().message.find("is not a directory"),
            std::string::npos);
  fs::remove(file);
  auto empty = read_options(defaults(""));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().field, "library_root");
}

TEST(options, a_bad_allowlist_is_a_clear_error) {
  auto s = defaults("/tmp");
  s.set("fetch_allow_cidrs", "127.0.0.1/32, 10.0.0.0/99", false);
  auto bad = read_options(s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "fetch_allow_cidrs");
  EXPECT_NE(bad.error().message.find("10.0.0.0/99"), std::string::npos);
  s.set("fetch_allow_cidrs", "127.0.0.1/32", false);
  auto o = read_options(s);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->fetch_allow.size(), 1u);
}

TEST(options, set_timeouts_hold_for_every_provider) {
  auto dir = fs::temp_directory_path() / "kumo-options-timeouts";
  fs::create_directories(dir);
  auto s = defaults(dir.string());
  auto o = read_options(s);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->timeouts_set) << "defaults: the providers' timeout_s";
  s.set("stall_timeout", "2000", false); // as the loader normalizes "2s"
  o = read_options(s);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->timeouts_set);
  s = defaults(dir.string());
  s.set("connect_timeout", "10000", false); // the default, spelled in ms
  EXPECT_FALSE(read_options(s)->timeouts_set);
  fs::remove_all(dir);
}
