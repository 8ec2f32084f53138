#include "segment_plan.hpp"

#include <gtest/gtest.h>

namespace kumo::downloader {
namespace {

constexpr int64_t mib = int64_t{1} << 20;

TEST(segment_plan, splits_only_large_files_from_origins_with_ranges) {
  segment_policy policy; // 16 MiB, 4 connections
  EXPECT_TRUE(should_segment(16 * mib, true, policy));
  EXPECT_FALSE(should_segment(16 * mib - 1, true, policy));
  EXPECT_FALSE(should_segment(256 * mib, false, policy)) << "no ranges";
  EXPECT_FALSE(should_segment(-1, true, policy)) << "size unknown";
  policy.max_connections = 1;
  EXPECT_FALSE(should_segment(256 * mib, true, policy)) << "one connection";
}

TEST(segment_plan, covers_the_file_with_nearly_equal_contiguous_segments) {
  segment_policy policy;
  int64_t total = 256 * mib + 3;
  auto plan = plan_segments(total, policy);
  ASSERT_EQ(plan.size(), 4u);
  int64_t next = 0;
  for (const auto& s : plan) {
    EXPECT_EQ(s.start, next);
    EXPECT_EQ(s.done, 0);
    EXPECT_LE(s.length() - 64 * mib, 1);
    next = s.end;
  }
  EXPECT_EQ(next, total);
}

TEST(segment_plan, no_segment_shorter_than_the_minimum) {
  segment_policy policy;
  policy.max_connections = 8;
  EXPECT_EQ(plan_segments(18 * mib, policy).size(), 4u); // 4 MiB minimum
  EXPECT_EQ(plan_segments(3 * mib, policy).size(), 1u);
  policy.max_connections = 2;
  EXPECT_EQ(plan_segments(1024 * mib, policy).size(), 2u);
}

TEST(segment_plan, the_first_request_ends_where_segment_zero_may_end) {
  segment_policy policy; // 16 MiB, 4 connections, 4 MiB segments at least
  EXPECT_EQ(first_request_length(-1, policy), 16 * mib);
  EXPECT_EQ(first_request_length(256 * mib, policy), 64 * mib);
  // Segment 0 already 16 MiB long: the plan stays as it is.
  auto same = plan_after_first(64 * mib, 16 * mib, policy);
  ASSERT_EQ(same.size(), 4u);
  for (size_t i = 0; i < same.size(); ++i)
    EXPECT_EQ(same[i].end, int64_t(i + 1) * 16 * mib);
  // 24 MiB would be 4 x 6 MiB: segment 0 keeps the 16 MiB asked, the other
  // 8 MiB go to two more connections (4 MiB at least each).
  auto plan = plan_after_first(24 * mib, 16 * mib, policy);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].end, 16 * mib);
  EXPECT_EQ(plan[1].start, 16 * mib);
  EXPECT_EQ(plan[1].end, 20 * mib);
  EXPECT_EQ(plan[2].end, 24 * mib);
}

TEST(segment_plan, prefix_stops_at_the_first_incomplete_segment) {
  std::vector<segment> s{{0, 10, 10}, {10, 20, 4}, {20, 30, 10}};
  EXPECT_EQ(contiguous_prefix(s), 14);
  EXPECT_EQ(bytes_written(s), 24);
  s[1].done = 10;
  EXPECT_EQ(contiguous_prefix(s), 30);
  s[0].done = 0;
  EXPECT_EQ(contiguous_prefix(s), 0);
}

segment_map sample_map() {
  return segment_map{
      "job-1", "\"etag\"", 30, 77, {{0, 10, 10}, {10, 20, 4}, {20, 30, 0}}};
}

TEST(segment_map, round_trips) {
  auto decoded = decode_segment_map(encode_segment_map(sample_map()));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->job, "job-1");
  EXPECT_EQ(decoded->validator, "\"etag\"");
  EXPECT_EQ(decoded->total, 30);
  EXPECT_EQ(decoded->inode, 77u);
  ASSERT_EQ(decoded->segments.size(), 3u);
  EXPECT_EQ(decoded->segments[1].done, 4);
}

TEST(segment_map, refuses_maps_that_do_not_describe_the_file) {
  // Tried: not JSON, missing fields, no validator, gaps, overlaps, a done
  // beyond its segment, segments short of the total, negative numbers.
  EXPECT_FALSE(decode_segment_map("not json"));
  EXPECT_FALSE(decode_segment_map("{}"));
  auto broken = [](auto change) {
    auto m = sample_map();
    change(m);
    return decode_segment_map(encode_segment_map(m)).has_value();
  };
  EXPECT_FALSE(broken([](segment_map& m) { m.validator.clear(); }));
  EXPECT_FALSE(broken([](segment_map& m) { m.segments[1].start = 11; }));
  EXPECT_FALSE(broken([](segment_map& m) { m.segments[1].start = 9; }));
  EXPECT_FALSE(broken([](segment_map& m) { m.segments[1].done = 11; }));
  EXPECT_FALSE(broken([](segment_map& m) { m.segments[1].done = -1; }));
  EXPECT_FALSE(broken([](segment_map& m) { m.total = 31; }));
  EXPECT_FALSE(broken([](segment_map& m) { m.segments.clear(); }));
  EXPECT_FALSE(decode_segment_map(
      R"({"job":"j","validator":"v","total":30,"inode":-1,"segments":[[0,30,0]]})"));
}

TEST(segment_map, usable_only_by_its_job_on_its_inode) {
  auto m = sample_map();
  EXPECT_TRUE(map_usable(m, "job-1", 77, 14, 30));
  EXPECT_TRUE(map_usable(m, "job-1", 77, 14, -1)) << "size not known";
  EXPECT_FALSE(map_usable(m, "job-2", 77, 14, 30)) << "another job";
  EXPECT_FALSE(map_usable(m, "job-1", 78, 14, 30)) << "another inode";
  EXPECT_FALSE(map_usable(m, "job-1", 77, 14, 31)) << "another total";
  EXPECT_FALSE(map_usable(m, "job-1", 77, 13, 30)) << "bytes missing";
  EXPECT_FALSE(map_usable(m, "job-1", 77, -1, 30)) << "no .part";
}

} // namespace
} // namespace kumo::downloader
