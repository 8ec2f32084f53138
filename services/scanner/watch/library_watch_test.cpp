// The live watch on real temporary folders with real inotify.

#include "walk/walk_test_tree.hpp"
#include "watch/library_watch.hpp"

#include <cstdio>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace kumo::scanner;
using namespace std::chrono_literals;
using kumo::scanner::testing::temp_tree;

namespace kumo::scanner {
void PrintTo(const watch_event& e, std::ostream* os) {
  static const char* names[] = {"file_appeared", "file_removed", "dir_appeared",
                                "dir_removed", "rescan"};
  *os << names[int(e.change)] << ' ' << e.path;
}
} // namespace kumo::scanner

namespace {

using events = std::vector<watch_event>;

watch_options fast() {
  watch_options o;
  o.settle = 100ms;
  return o;
}

/// The next non-empty batch, polling the watch's descriptor until it is
/// due; empty after `limit`.
events next_batch(library_watch& w, std::chrono::milliseconds limit = 3s) {
  auto end = library_watch::clock::now() + limit;
  for (;;) {
    auto now = library_watch::clock::now();
    auto batch = w.drain(now);
    if (!batch.empty() || now >= end)
      return batch;
    auto until = std::min(w.due_at().value_or(end), end);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    pollfd p{w.fd(), POLLIN, 0};
    ::poll(&p, 1, int(std::max<long>(1, ms.count())));
  }
}

watch_event appeared(const std::string& p) {
  return {watch_change::file_appeared, p};
}
watch_event removed(const std::string& p) {
  return {watch_change::file_removed, p};
}
watch_event dir_appeared(const std::string& p) {
  return {watch_change::dir_appeared, p};
}
watch_event dir_removed(const std::string& p) {
  return {watch_change::dir_removed, p};
}

library_watch open_watch(const temp_tree& t, watch_options o = fast()) {
  auto w = library_watch::open(t.root(), o);
  if (!w)
    ADD_FAILURE() << w.error();
  return std::move(*w);
}

void move(const temp_tree& t, const std::string& from, const std::string& to) {
  ASSERT_EQ(std::rename(t.path(from).c_str(), t.path(to).c_str()), 0) << from;
}

} // namespace

TEST(library_watch, files_created_moved_deleted) {
  temp_tree t;
  t.dirs("Show/Season 1");
  auto w = open_watch(t);
  EXPECT_EQ(w.watched(), 3u);
  t.file("Show/Season 1/Show.S01E01.mkv", "data");
  t.file("Show/Season 1/Show.S01E01.nfo", "not a video");
  t.file("Show/Season 1/.hidden.mkv");
  t.file("Show/Season 1/Show.S01E02.mkv.part");
  t.file("Loose.S01E01.mkv"); // under the root: no series
  EXPECT_EQ(next_batch(w), events{appeared("Show/Season 1/Show.S01E01.mkv")});
  move(t, "Show/Season 1/Show.S01E01.mkv", "Show/Season 1/Show.S01E03.mkv");
  EXPECT_EQ(next_batch(w), (events{removed("Show/Season 1/Show.S01E01.mkv"),
                                   appeared("Show/Season 1/Show.S01E03.mkv")}));
  move(t, "Show/Season 1/Show.S01E03.mkv", "Out.S01E03.mkv"); // to the root
  ASSERT_EQ(::unlink(t.path("Show/Season 1/Show.S01E01.nfo").c_str()), 0);
  EXPECT_EQ(next_batch(w), events{removed("Show/Season 1/Show.S01E03.mkv")});
  EXPECT_EQ(next_batch(w, 300ms), events{});
}

TEST(library_watch, download_part_then_link_gives_one_event) {
  temp_tree t;
  t.dirs("Show/Season 1");
  auto w = open_watch(t);
  // As the downloader does: write .part, link the inode under the final
  // name, move .part aside to a hidden name and delete it.
  auto part = t.path("Show/Season 1/Show.S01E05.mkv.part");
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "episode", 7), 7);
  ASSERT_EQ(
      ::link(part.c_str(), t.path("Show/Season 1/Show.S01E05.mkv").c_str()), 0);
  auto aside = t.path("Show/Season 1/.kumo-0123456789abcdef.tmp");
  ASSERT_EQ(std::rename(part.c_str(), aside.c_str()), 0);
  ASSERT_EQ(::unlink(aside.c_str()), 0);
  ::close(fd);
  EXPECT_EQ(next_batch(w), events{appeared("Show/Season 1/Show.S01E05.mkv")});
  EXPECT_EQ(next_batch(w, 300ms), events{});
}

TEST(library_watch, nested_new_folders_are_watched_and_reported) {
  temp_tree t;
  auto w = open_watch(t);
  t.file("New Show/Season 1/New.Show.S01E01.mkv"); // mkdir -p, then a file
  auto first = next_batch(w);
  EXPECT_EQ(first,
            (events{dir_appeared("New Show"), dir_appeared("New Show/Season 1"),
                    appeared("New Show/Season 1/New.Show.S01E01.mkv")}));
  EXPECT_EQ(w.watched(), 3u);
  // The new folders are watched: a later file is seen.
  t.file("New Show/Season 1/New.Show.S01E02.mkv");
  EXPECT_EQ(next_batch(w),
            events{appeared("New Show/Season 1/New.Show.S01E02.mkv")});
  // Hidden and extras folders are not.
  t.file("New Show/.cache/x.S01E01.mkv");
  t.file("New Show/Extras/x.S01E01.mkv");
  EXPECT_EQ(next_batch(w, 400ms), events{});
  EXPECT_EQ(w.watched(), 3u);
}

TEST(library_watch, folders_moved_in_out_and_deleted) {
  temp_tree t;
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.file("outside/Other/Season 2/Other.S02E01.mkv");
  ASSERT_EQ(::mkdir(t.path("lib").c_str(), 0755), 0);
  auto w = library_watch::open(t.path("lib"), fast());
  ASSERT_TRUE(w) << w.error();
  move(t, "Show", "lib/Show"); // moved in, with its contents
  EXPECT_EQ(next_batch(*w),
            (events{dir_appeared("Show"), dir_appeared("Show/Season 1"),
                    appeared("Show/Season 1/Show.S01E01.mkv")}));
  EXPECT_EQ(w->watched(), 3u);
  move(t, "lib/Show/Season 1", "lib/Show/Season 01"); // renamed inside
  EXPECT_EQ(next_batch(*w), (events{dir_appeared("Show/Season 01"),
                                    appeared("Show/Season 01/Show.S01E01.mkv"),
                                    dir_removed("Show/Season 1")}));
  EXPECT_EQ(w->watched(), 3u);
  move(t, "lib/Show", "outside/Show"); // moved out: its watches are dropped
  EXPECT_EQ(next_batch(*w), events{dir_removed("Show")});
  EXPECT_EQ(w->watched(), 1u);
  t.file("outside/Show/Season 01/Show.S01E02.mkv"); // no longer ours
  EXPECT_EQ(next_batch(*w, 400ms), events{});
  move(t, "outside/Other", "lib/Other");
  EXPECT_EQ(next_batch(*w).size(), 3u);
  ASSERT_EQ(::unlink(t.path("lib/Other/Season 2/Other.S02E01.mkv").c_str()), 0);
  ASSERT_EQ(::rmdir(t.path("lib/Other/Season 2").c_str()), 0);
  ASSERT_EQ(::rmdir(t.path("lib/Other").c_str()), 0);
  EXPECT_EQ(next_batch(*w),
            (events{dir_removed("Other"), dir_removed("Other/Season 2"),
                    removed("Other/Season 2/Other.S02E01.mkv")}));
  EXPECT_EQ(w->watched(), 1u);
}

TEST(library_watch, symlinked_folders_are_not_followed) {
  temp_tree t;
  t.file("elsewhere/Season 1/x.S01E01.mkv");
  ASSERT_EQ(::mkdir(t.path("lib").c_str(), 0755), 0);
  t.symlink(t.path("elsewhere"), "lib/Linked");
  auto w = library_watch::open(t.path("lib"), fast());
  ASSERT_TRUE(w) << w.error();
  EXPECT_EQ(w->watched(), 1u);
  t.file("elsewhere/Season 1/x.S01E02.mkv");
  EXPECT_EQ(next_batch(*w, 400ms), events{});
  t.symlink(t.path("elsewhere"), "lib/Linked later"); // after the start
  t.file("elsewhere/Season 1/x.S01E03.mkv");
  EXPECT_EQ(next_batch(*w, 400ms), events{});
  EXPECT_EQ(w->watched(), 1u);
}

TEST(library_watch, overflow_asks_for_a_rescan_and_rewatches) {
  temp_tree t;
  t.dirs("Show/Season 1");
  auto w = open_watch(t);
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.dirs("Show/Season 2"); // as if its creation event had been lost:
  w.on_overflow(library_watch::clock::now());
  // Watched by the resync itself: its creation event was not read yet.
  EXPECT_EQ(w.watched(), 4u);
  auto batch = next_batch(w);
  ASSERT_FALSE(batch.empty());
  EXPECT_EQ(batch.front(), (watch_event{watch_change::rescan, ""}));
  t.file("Show/Season 2/Show.S02E01.mkv");
  EXPECT_EQ(next_batch(w), events{appeared("Show/Season 2/Show.S02E01.mkv")});
}

TEST(library_watch, watch_limit_degrades_without_failing) {
  temp_tree t;
  for (const char* s : {"A/Season 1", "B/Season 1", "C/Season 1"})
    t.dirs(s);
  auto o = fast();
  o.max_watches = 3;
  auto w = library_watch::open(t.root(), o);
  ASSERT_TRUE(w) << w.error();
  EXPECT_EQ(w->watched(), 3u);
  EXPECT_TRUE(w->degraded());
  EXPECT_NE(w->degraded_reason().find("watch limit reached"),
            std::string::npos);
  t.dirs("D/Season 1"); // past the limit: no crash, no watch
  next_batch(*w, 400ms);
  EXPECT_EQ(w->watched(), 3u);
  o.max_watches = 0;
  auto none = library_watch::open(t.root(), o);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("watch limit reached"),
            std::string::npos);
}

TEST(library_watch, missing_root_is_an_error) {
  auto w = library_watch::open("/nonexistent/kumo/library");
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("cannot open library root"),
            std::string::npos);
}
