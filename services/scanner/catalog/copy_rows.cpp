#include "catalog/copy_rows.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <set>

namespace kumo::scanner {

namespace {

bool within(const std::optional<int>& n, int high) {
  return n && *n >= 0 && *n <= high;
}

void sort_unique(std::vector<int>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

} // namespace

file_numbers numbers_of(const planned_file& file) {
  file_numbers out;
  for (const auto& e : file.episodes) {
    if (e.season) {
      if (within(e.season, 10000) && within(e.episode, 100000)) {
        out.season = e.season;
        out.episodes.push_back(*e.episode);
      }
    } else if (within(e.absolute, 1000000)) {
      out.absolutes.push_back(*e.absolute);
    }
  }
  sort_unique(out.episodes);
  sort_unique(out.absolutes);
  return out;
}

series_episodes episodes_of(const std::vector<file_numbers>& files) {
  std::set<std::pair<int, int>> numbered;
  std::set<int> absolutes;
  for (const auto& f : files) {
    for (int e : f.episodes)
      numbered.emplace(*f.season, e);
    absolutes.insert(f.absolutes.begin(), f.absolutes.end());
  }
  return {{numbered.begin(), numbered.end()},
          {absolutes.begin(), absolutes.end()}};
}

std::string timestamp_text(std::int64_t ns) {
  std::int64_t us = ns / 1000 - (ns % 1000 < 0 ? 1 : 0);
  std::int64_t secs = us / 1000000 - (us % 1000000 < 0 ? 1 : 0);
  auto micros = static_cast<int>(us - secs * 1000000);
  auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, micros);
  return buf;
}

std::string int_array_text(const std::vector<int>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string cut_chars(std::string_view text, std::size_t chars) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A byte that does not continue a UTF-8 sequence starts a character.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == chars)
      return std::string(text.substr(0, i));
  }
  return std::string(text);
}

} // namespace kumo::scanner
