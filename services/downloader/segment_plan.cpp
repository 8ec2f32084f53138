#include "segment_plan.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kumo::downloader {

bool should_segment(int64_t total, bool ranges_supported,
                    const segment_policy& policy) {
  return ranges_supported && policy.max_connections > 1 && total > 0 &&
         total >= policy.min_size;
}

std::vector<segment> plan_segments(int64_t total,
                                   const segment_policy& policy) {
  int64_t min_segment = std::max<int64_t>(policy.min_segment, 1);
  int64_t count = std::max<int64_t>(
      1, std::min<int64_t>(policy.max_connections, total / min_segment));
  std::vector<segment> out;
  out.reserve(static_cast<size_t>(count));
  int64_t base = total / count;
  int64_t extra = total % count;
  int64_t start = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t length = base + (i < extra ? 1 : 0);
    out.push_back(segment{start, start + length, 0});
    start += length;
  }
  return out;
}

int64_t first_request_length(int64_t declared_total,
                             const segment_policy& policy) {
  if (declared_total > 0)
    return plan_segments(declared_total, policy).front().length();
  return std::max<int64_t>(policy.min_size, 1);
}

std::vector<segment> plan_after_first(int64_t total, int64_t first,
                                      const segment_policy& policy) {
  auto plan = plan_segments(total, policy);
  if (plan.front().end >= first)
    return plan;
  std::vector<segment> out{segment{0, std::min(first, total), 0}};
  if (first >= total)
    return out;
  segment_policy rest = policy;
  rest.max_connections = std::max(1, policy.max_connections - 1);
  for (auto s : plan_segments(total - first, rest))
    out.push_back(segment{s.start + first, s.end + first, 0});
  return out;
}

int64_t contiguous_prefix(const std::vector<segment>& segments) {
  int64_t prefix = 0;
  for (const auto& s : segments) {
    prefix = s.next();
    if (!s.complete())
      break;
  }
  return prefix;
}

int64_t bytes_written(const std::vector<segment>& segments) {
  int64_t sum = 0;
  for (const auto& s : segments)
    sum += s.done;
  return sum;
}

std::string encode_segment_map(const segment_map& map) {
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& s : map.segments)
    segments.push_back({s.start, s.end, s.done});
  nlohmann::json doc{{"job", map.job},
                     {"validator", map.validator},
                     {"total", map.total},
                     {"inode", map.inode},
                     {"segments", segments}};
  return doc.dump();
}

namespace {

result<std::vector<segment>> decode_segments(const nlohmann::json& list,
                                             int64_t total) {
  if (!list.is_array() || list.empty())
    return invalid("no segments", "segments");
  std::vector<segment> out;
  int64_t expected_start = 0;
  for (const auto& item : list) {
    if (!item.is_array() || item.size() != 3 || !item[0].is_number_integer() ||
        !item[1].is_number_integer() || !item[2].is_number_integer())
      return invalid("a segment is not [start, end, done]", "segments");
    segment s{item[0].get<int64_t>(), item[1].get<int64_t>(),
              item[2].get<int64_t>()};
    if (s.start != expected_start || s.end <= s.start || s.done < 0 ||
        s.done > s.length())
      return invalid("segments leave a gap, overlap or overflow", "segments");
    expected_start = s.end;
    out.push_back(s);
  }
  if (expected_start != total)
    return invalid("segments do not end at the total", "segments");
  return out;
}

} // namespace

result<segment_map> decode_segment_map(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object())
    return invalid("segment map is not a JSON object");
  segment_map map;
  auto job = doc.find("job");
  auto validator = doc.find("validator");
  auto total = doc.find("total");
  auto inode = doc.find("inode");
  if (job == doc.end() || !job->is_string() || validator == doc.end() ||
      !validator->is_string() || total == doc.end() ||
      !total->is_number_integer() || inode == doc.end() ||
      !inode->is_number_unsigned())
    return invalid("segment map lacks job, validator, total or inode");
  map.job = job->get<std::string>();
  map.validator = validator->get<std::string>();
  map.total = total->get<int64_t>();
  map.inode = inode->get<uint64_t>();
  if (map.validator.empty())
    return invalid("segment map has no validator", "validator");
  if (map.total <= 0)
    return invalid("segment map total must be positive", "total");
  auto segments =
      decode_segments(doc.value("segments", nlohmann::json{}), map.total);
  if (!segments)
    return std::move(segments).error();
  map.segments = std::move(*segments);
  return map;
}

bool map_usable(const segment_map& map, const std::string& job, uint64_t inode,
                int64_t part_size, int64_t known_total) {
  if (map.job != job || map.inode != inode || part_size < 0)
    return false;
  if (known_total >= 0 && known_total != map.total)
    return false;
  return std::all_of(
      map.segments.begin(), map.segments.end(),
      [&](const segment& s) { return s.done == 0 || s.next() <= part_size; });
}

} // namespace kumo::downloader
