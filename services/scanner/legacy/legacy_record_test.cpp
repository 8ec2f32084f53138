// Legacy data files: valid ones, and hostile ones refused with a reason.

#include "legacy/legacy_record.hpp"

#include <gtest/gtest.h>

using namespace kumo::scanner::legacy;

namespace {

const char* const valid = R"({"key": "show-name", "name": "Show Name",
  "site": "example", "folder": "Show Name",
  "episodeDict": {"1": [3, 1, 2, 2], "2": [], "10": [7]}, "extra": true})";

/// The reason `text` (found in folder `in`) is refused; "" when accepted.
std::string refused(const std::string& text, const std::string& in = "F") {
  auto r = parse_legacy_data(text, in);
  return r ? std::string{} : r.error().message;
}

/// A valid file for folder "F" with `field` replaced by the JSON `value`.
std::string with(const std::string& field, const std::string& value) {
  std::string out = "{";
  for (auto [k, v] : {std::pair{"key", R"("k")"},
                      {"name", R"("N")"},
                      {"site", R"("")"},
                      {"folder", R"("F")"},
                      {"episodeDict", R"({"1": [1]})"}}) {
    if (k == field && value.empty())
      continue; // the field left out
    out += std::string(out.size() > 1 ? "," : "") + '"' + k +
           "\":" + (k == field ? value : v);
  }
  return out + "}";
}

} // namespace

TEST(legacy_record, valid_file) {
  auto r = parse_legacy_data(valid, "Show Name");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->key, "show-name");
  EXPECT_EQ(r->name, "Show Name");
  EXPECT_EQ(r->site, "example");
  EXPECT_EQ(r->folder, "Show Name");
  season_episodes want{{1, {1, 2, 3}}, {2, {}}, {10, {7}}};
  EXPECT_EQ(r->episodes, want);
  EXPECT_EQ(refused(with("key", R"("k")")), "");
}

TEST(legacy_record, broken_json_and_shapes) {
  EXPECT_NE(refused("{\"key\": \"k\""), ""); // cut short
  EXPECT_NE(refused(""), "");
  EXPECT_EQ(refused("[1, 2]"), "top level is not a JSON object");
  EXPECT_EQ(refused("\"data\""), "top level is not a JSON object");
  EXPECT_EQ(refused(std::string("{\"key\":\"k\0\"}", 12)),
            "data file contains NUL bytes");
  EXPECT_EQ(refused("{\"name\": \"\xff\xfe\"}"),
            "broken JSON or invalid UTF-8");
}

TEST(legacy_record, deep_nesting_is_refused_before_parsing) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_EQ(refused(deep), "JSON nested deeper than 8 levels");
  auto in_field = with("episodeDict", "{\"1\": " + std::string(9, '[') +
                                          std::string(9, ']') + "}");
  EXPECT_EQ(refused(in_field), "JSON nested deeper than 8 levels");
  // Brackets inside strings do not count.
  EXPECT_EQ(refused(with("name", "\"[[[[[[[[[[[[\\\"[[[[\"")), "");
}

TEST(legacy_record, too_large) {
  std::string big = with(
      "name", "\"" + std::string(std::size_t{10} * 1024 * 1024, 'a') + "\"");
  EXPECT_EQ(refused(big), "data file larger than 1 MiB");
  std::string padded = valid;
  padded.append(max_data_bytes - padded.size(), ' ');
  EXPECT_EQ(refused(padded, "Show Name"), ""); // exactly 1 MiB is accepted
  padded += ' ';
  EXPECT_EQ(refused(padded, "Show Name"), "data file larger than 1 MiB");
}

TEST(legacy_record, missing_and_mistyped_fields) {
  for (const char* f : {"key", "name", "site", "folder"}) {
    EXPECT_EQ(refused(with(f, "")),
              std::string("missing or non-string field: ") + f);
    EXPECT_EQ(refused(with(f, "7")),
              std::string("missing or non-string field: ") + f);
  }
  EXPECT_EQ(refused(with("episodeDict", "")), "missing field: episodeDict");
  EXPECT_EQ(refused(with("episodeDict", "[1]")),
            "episodeDict is not an object");
}

TEST(legacy_record, keys_that_are_not_slugs) {
  for (const char* key :
       {R"("Show")", R"("show name")", R"("-show")", R"("show-")", R"("a--b")",
        R"("")", R"("caf\u00e9")", R"("日本")", R"("a/b")", R"("a_b")"})
    EXPECT_NE(refused(with("key", key)), "") << key;
  EXPECT_EQ(refused(with("key", '"' + std::string(100, 'a') + '"')), "");
  EXPECT_NE(refused(with("key", '"' + std::string(101, 'a') + '"')), "");
}

TEST(legacy_record, folders_outside_their_place) {
  const std::string other =
      "folder does not name the folder the data file is in";
  const std::string bad = "folder is not one path component";
  EXPECT_EQ(refused(with("folder", R"("../x")")), bad);
  EXPECT_EQ(refused(with("folder", R"("..")")), bad);
  EXPECT_EQ(refused(with("folder", R"(".")")), bad);
  EXPECT_EQ(refused(with("folder", R"("a/b")")), bad);
  EXPECT_EQ(refused(with("folder", R"("/etc")")), bad);
  EXPECT_EQ(refused(with("folder", R"("")")), bad);
  EXPECT_EQ(refused(with("folder", R"("a\nb")")), bad);
  EXPECT_EQ(refused(with("folder", R"("a\u0000b")")), bad);
  EXPECT_EQ(refused(with("folder", R"("G")")), other);
  EXPECT_EQ(refused(with("folder", R"("f")")), other);
}

TEST(legacy_record, names_and_sites_out_of_bounds) {
  EXPECT_NE(refused(with("name", R"("")")), "");
  EXPECT_EQ(refused(with("name", '"' + std::string(500, 'n') + '"')), "");
  EXPECT_NE(refused(with("name", '"' + std::string(501, 'n') + '"')), "");
  EXPECT_NE(refused(with("site", '"' + std::string(101, 's') + '"')), "");
}

TEST(legacy_record, seasons_and_episodes_out_of_range) {
  auto dict = [](const std::string& d) { return with("episodeDict", d); };
  EXPECT_EQ(refused(dict(R"({"0": [0], "10000": [100000]})")), "");
  EXPECT_NE(refused(dict(R"({"10001": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"-1": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"01": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"one": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"1.5": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"99999999999999999999": [1]})")), "");
  EXPECT_NE(refused(dict(R"({"1": [-1]})")), "");
  EXPECT_NE(refused(dict(R"({"1": [100001]})")), "");
  EXPECT_NE(refused(dict(R"({"1": [1e3]})")), "");
  EXPECT_NE(refused(dict(R"({"1": [1.5]})")), "");
  EXPECT_NE(refused(dict(R"({"1": ["1", "2"]})")), ""); // episodes as strings
  EXPECT_NE(refused(dict(R"({"1": "1,2"})")), "");
  EXPECT_NE(refused(dict(R"({"1": [null]})")), "");
  EXPECT_NE(refused(dict(R"({"1": [99999999999999999999]})")), "");
  EXPECT_EQ(refused(dict(R"({"1": [-1]})")),
            "episode -1 of season 1 is out of range 0-100000");
}
