#include "catalog/requests.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

/// The field a refused request names ("<accepted>" when it was accepted).
std::string refused(const char* op, const char* body) {
  request_error err;
  auto req = parse_request(op, body, err);
  return req ? "<accepted>" : err.field;
}

TEST(Requests, UnknownOpAndMalformedBodies) {
  EXPECT_EQ(refused("series_drop", "{}"), "op");
  EXPECT_EQ(refused("series_list", "[1]"), "");
  EXPECT_EQ(refused("series_list", "{"), "");
  EXPECT_EQ(refused("scan_status", "{}"), "<accepted>");
  EXPECT_EQ(refused("scan_status", ""), "<accepted>");
  EXPECT_EQ(refused("scan_status", R"({"x":1})"), "x");
}

TEST(Requests, SeriesList) {
  request_error err;
  auto req = parse_request(
      "series_list",
      R"({"q":"show","sort":"year","order":"desc","limit":10,"offset":20,"monitored":true})",
      err);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->list.sort, "year");
  EXPECT_TRUE(req->list.descending);
  EXPECT_EQ(req->list.limit, 10);
  EXPECT_EQ(req->list.offset, 20);
  EXPECT_EQ(req->list.monitored, true);
  EXPECT_EQ(refused("series_list", R"({"limit":0})"), "limit");
  EXPECT_EQ(refused("series_list", R"({"limit":201})"), "limit");
  EXPECT_EQ(refused("series_list", R"({"limit":"5"})"), "limit");
  EXPECT_EQ(refused("series_list", R"({"offset":-1})"), "offset");
  EXPECT_EQ(refused("series_list", R"({"sort":"size"})"), "sort");
  EXPECT_EQ(refused("series_list", R"({"order":"up"})"), "order");
  EXPECT_EQ(refused("series_list", R"({"has_missing":1})"), "has_missing");
  std::string long_q = R"({"q":")" + std::string(201, 'a') + R"("})";
  EXPECT_EQ(refused("series_list", long_q.c_str()), "q");
}

TEST(Requests, SeriesAdd) {
  request_error err;
  auto req = parse_request("series_add", R"({"name":"Show","year":2019})", err);
  ASSERT_TRUE(req);
  EXPECT_EQ(*req->fields.name, "Show");
  EXPECT_EQ(**req->fields.year, 2019);
  EXPECT_FALSE(req->fields.key);
  EXPECT_EQ(refused("series_add", R"({"year":2019})"), "name");
  EXPECT_EQ(refused("series_add", R"({"name":""})"), "name");
  EXPECT_EQ(refused("series_add", R"({"name":"S","year":1700})"), "year");
  EXPECT_EQ(refused("series_add", R"({"name":"S","folder":"../x"})"), "folder");
  EXPECT_EQ(refused("series_add", R"({"name":"S","folder":".."})"), "folder");
  EXPECT_EQ(refused("series_add", R"({"name":"S","key":"Bad Key"})"), "key");
  EXPECT_EQ(refused("series_add", R"({"name":"S","link":"file:///etc"})"),
            "link");
  EXPECT_EQ(refused("series_add", R"({"name":"S","monitored":"yes"})"),
            "monitored");
  EXPECT_EQ(refused("series_add", R"({"name":"S","id":3})"), "id");
  EXPECT_EQ(refused("series_add", "{\"name\":\"\xff\"}"), "");
}

TEST(Requests, SeriesAddFromUnmatched) {
  request_error err;
  auto req =
      parse_request("series_add", R"j({"from_unmatched":"Show (2019)"})j", err);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->from_unmatched, "Show (2019)");
  EXPECT_EQ(refused("series_add", R"({"from_unmatched":"a/b"})"),
            "from_unmatched");
  // Only the folder (and its root) may come with from_unmatched.
  EXPECT_EQ(refused("series_add", R"({"from_unmatched":"S","name":"x"})"),
            "name");
}

TEST(Requests, SeriesUpdateDeleteGetRescan) {
  EXPECT_EQ(refused("series_update", R"({"key":"show"})"), "");
  EXPECT_EQ(refused("series_update", R"({"name":"x"})"), "key");
  EXPECT_EQ(refused("series_update", R"({"key":"show","folder":"x"})"),
            "folder");
  EXPECT_EQ(refused("series_update", R"({"key":"show","year":null})"),
            "<accepted>");
  EXPECT_EQ(refused("series_update", R"({"key":"show","monitored":true})"),
            "<accepted>");
  EXPECT_EQ(refused("series_delete", R"({"key":"show","delete_files":1})"),
            "delete_files");
  EXPECT_EQ(refused("series_get", R"({})"), "key");
  EXPECT_EQ(refused("series_get", R"({"key":"../x"})"), "key");
  EXPECT_EQ(refused("rescan", R"({})"), "<accepted>");
  EXPECT_EQ(refused("rescan", R"({"key":"a b"})"), "key");
}

TEST(Requests, RefreshAndDownload) {
  // Tried: no key, a bad key, unknown fields, episodes that are no array,
  // empty, repeated, out of range, with extra fields or missing numbers.
  EXPECT_EQ(refused("refresh", "{}"), "key");
  EXPECT_EQ(refused("refresh", R"({"key":"a b"})"), "key");
  EXPECT_EQ(refused("refresh", R"({"key":"a","x":1})"), "x");
  EXPECT_EQ(refused("refresh", R"({"key":"a"})"), "<accepted>");
  EXPECT_EQ(refused("download", R"({"key":"a"})"), "<accepted>");
  EXPECT_EQ(refused("download", R"({"key":"a","episodes":{}})"), "episodes");
  EXPECT_EQ(refused("download", R"({"key":"a","episodes":[]})"), "episodes");
  EXPECT_EQ(refused("download", R"({"key":"a","episodes":[{"season":1}]})"),
            "episodes[0]");
  EXPECT_EQ(
      refused("download",
              R"({"key":"a","episodes":[{"season":1,"episode":2,"x":3}]})"),
      "episodes[0]");
  EXPECT_EQ(refused("download",
                    R"({"key":"a","episodes":[{"season":1,"episode":20000}]})"),
            "episodes[0].episode");
  EXPECT_EQ(refused("download",
                    R"({"key":"a","episodes":[{"season":1,"episode":2},)"
                    R"({"season":1,"episode":2}]})"),
            "episodes[1]");
  request_error err;
  auto req = parse_request(
      "download",
      R"({"key":"a","episodes":[{"season":1,"episode":2},{"season":0,"episode":1}]})",
      err);
  ASSERT_TRUE(req);
  ASSERT_EQ(req->episodes.size(), 2u);
  EXPECT_EQ(req->episodes[1], std::make_pair(0, 1));
}

TEST(Requests, CheckInterval) {
  EXPECT_EQ(refused("series_update", R"({"key":"a","check_interval_s":59})"),
            "check_interval_s");
  EXPECT_EQ(refused("series_update", R"({"key":"a","check_interval_s":null})"),
            "<accepted>");
  EXPECT_EQ(refused("series_add", R"({"name":"A","check_interval_s":900})"),
            "<accepted>");
}

TEST(Requests, SeriesRetention) {
  request_error err;
  auto req = parse_request(
      "series_update", R"({"key":"news","retention":{"keep_last":5}})", err);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->fields.keep_last, std::optional<std::optional<int>>(5));
  req =
      parse_request("series_update", R"({"key":"news","retention":null})", err);
  ASSERT_TRUE(req);
  ASSERT_TRUE(req->fields.keep_last.has_value()) << "null: keep every episode";
  EXPECT_FALSE(req->fields.keep_last->has_value());
  for (const char* bad : {R"({"key":"news","retention":{"keep_last":0}})",
                          R"({"key":"news","retention":{"keep_last":-1}})",
                          R"({"key":"news","retention":{"keep_last":10001}})",
                          R"({"key":"news","retention":{"keep_last":1e9}})",
                          R"({"key":"news","retention":{"keep_last":"3"}})",
                          R"({"key":"news","retention":{"keep_last":null}})"})
    EXPECT_EQ(refused("series_update", bad), "retention.keep_last") << bad;
  for (const char* bad :
       {R"({"key":"news","retention":{"keep_last":3,"x":1}})",
        R"({"key":"news","retention":[3]})", R"({"key":"news","retention":3})",
        R"({"key":"news","retention":{}})"})
    EXPECT_EQ(refused("series_update", bad), "retention") << bad;
  EXPECT_EQ(refused("series_add", R"({"name":"N","retention":null})"),
            "retention")
      << "set on an existing series only";
}

TEST(Requests, SeriesHistoryAndUsage) {
  request_error err;
  auto req =
      parse_request("series_history", R"({"key":"news","limit":7})", err);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->history_limit, 7);
  EXPECT_EQ(refused("series_history", R"({"key":"news","limit":0})"), "limit");
  EXPECT_EQ(refused("series_history", R"({"key":"news","limit":501})"),
            "limit");
  EXPECT_EQ(refused("series_history", R"({})"), "key");
  EXPECT_EQ(refused("usage", ""), "<accepted>");
  EXPECT_EQ(refused("usage", R"({"x":1})"), "x");
}

} // namespace
} // namespace kumo::scanner
