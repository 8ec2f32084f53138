#include "ytdlp/command.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace kumo::providers::ytdlp;

TEST(ytdlp_options, accepts_format_and_rate_limit) {
  auto o = parse_options("-f bestvideo[height<=720]+bestaudio/best "
                         "--limit-rate=2M");
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->format, "bestvideo[height<=720]+bestaudio/best");
  EXPECT_EQ(o->rate_limit_bps, 2 * 1024 * 1024);
  auto empty = parse_options("  ");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->format.empty());
}

TEST(ytdlp_options, refuses_everything_outside_the_allowlist) {
  // Tried: options that run commands, write elsewhere, load configuration,
  // plugins or other downloaders, and malformed values.
  for (const char* text :
       {"--exec rm", "--exec=touch /tmp/x", "-o /etc/x", "--output=/tmp/x",
        "--config-location /tmp/c", "--config-locations=/tmp",
        "--plugin-dirs /tmp", "--downloader curl", "--proxy socks5://h",
        "--cookies /etc/shadow", "-f", "-f --exec", "--limit-rate 0",
        "--limit-rate lots", "-r 99999999999M", "-f best;id", "--batch-file x",
        "https://example.com/v"}) {
    auto o = parse_options(text);
    EXPECT_FALSE(o) << text;
    if (!o) {
      EXPECT_EQ(o.error().field, "ytdlp_options") << text;
    }
  }
}

TEST(ytdlp_command, download_argv_is_fixed_and_ends_with_the_url) {
  options o;
  o.format = "best";
  o.rate_limit_bps = 1000;
  o.socket_timeout_s = 7;
  auto argv = download_argv("yt-dlp", o, "-http://x", "/lib/a.mp4");
  auto timeout = std::find(argv.begin(), argv.end(), "--socket-timeout");
  ASSERT_NE(timeout, argv.end());
  EXPECT_EQ(*(timeout + 1), "7");
  ASSERT_GE(argv.size(), 3u);
  EXPECT_EQ(argv[0], "yt-dlp");
  EXPECT_EQ(argv[argv.size() - 2], "--");
  EXPECT_EQ(argv.back(), "-http://x");
  auto has = [&](const std::string& a) {
    return std::find(argv.begin(), argv.end(), a) != argv.end();
  };
  EXPECT_TRUE(has("--ignore-config"));
  EXPECT_TRUE(has("--no-exec"));
  EXPECT_TRUE(has("/lib/a.mp4"));
  EXPECT_TRUE(has("1000"));
  auto proxy = std::find(argv.begin(), argv.end(), "--proxy");
  ASSERT_NE(proxy, argv.end());
  EXPECT_EQ(*(proxy + 1), "");
  auto list = playlist_argv("yt-dlp", "http://x/list");
  EXPECT_EQ(list[list.size() - 2], "--");
  EXPECT_NE(std::find(list.begin(), list.end(), "--flat-playlist"), list.end());
}

TEST(ytdlp_command, reads_progress_lines) {
  auto p = parse_progress("kumo-progress 1024 4096 NA 512.5");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->downloaded, 1024);
  EXPECT_EQ(p->total, 4096);
  EXPECT_EQ(p->speed_bps, 512);
  auto estimated = parse_progress("kumo-progress 10 NA 300.0 NA");
  ASSERT_TRUE(estimated);
  EXPECT_EQ(estimated->total, 300);
  EXPECT_EQ(estimated->speed_bps, 0);
  EXPECT_FALSE(parse_progress("[download] Destination: x"));
  EXPECT_FALSE(parse_progress("kumo-progress NA NA NA NA"));
  EXPECT_FALSE(parse_progress("kumo-progress -5 1 1 1"));
}

TEST(ytdlp_command, reads_flat_playlists) {
  auto list = parse_playlist(
      R"({"_type":"playlist","entries":[{"id":"a","url":"http://h/a",
      "title":"A"},{"id":"b","url":"http://h/b"},7]})");
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].title, "A");
  EXPECT_EQ((*list)[1].url, "http://h/b");
  auto single = parse_playlist(R"({"id":"v","webpage_url":"http://h/v"})");
  ASSERT_TRUE(single);
  EXPECT_EQ((*single)[0].url, "http://h/v");
  EXPECT_FALSE(parse_playlist("not json"));
  EXPECT_FALSE(parse_playlist("[]"));
}
