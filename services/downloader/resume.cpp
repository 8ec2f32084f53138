#include "resume.hpp"

#include <algorithm>

namespace kumo::downloader {

namespace {

/// Parses a non-negative decimal that fits in int64_t.
std::optional<int64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

response_decision decide(response_action action, int64_t total,
                         std::string reason = {}) {
  return {action, total, std::move(reason)};
}

std::string size_text(int64_t n) {
  return std::to_string(n) + " bytes";
}

/// A total reported by the server that contradicts what we know.
std::optional<std::string>
total_conflict(int64_t total, const request_facts& facts, bool resuming) {
  if (total < 0)
    return std::nullopt;
  if (facts.expected_size >= 0 && total != facts.expected_size)
    return "server size " + size_text(total) + " differs from the source's " +
           size_text(facts.expected_size);
  if (resuming && facts.resumed_total >= 0 && total != facts.resumed_total)
    return "server size " + size_text(total) +
           " differs from the partial file's " + size_text(facts.resumed_total);
  return std::nullopt;
}

response_decision classify_partial(const response_head& head,
                                   const request_facts& facts) {
  bool resuming = facts.offset > 0;
  auto retry_or_fail = [&](const std::string& why) {
    return resuming ? decide(response_action::refetch_from_zero, -1, why)
                    : decide(response_action::fail_transient, -1, why);
  };
  if (!head.range || head.range->first < 0)
    return retry_or_fail("206 without a usable Content-Range");
  const auto& r = *head.range;
  if (r.first != facts.offset)
    return retry_or_fail("206 starts at " + std::to_string(r.first) +
                         ", expected " + std::to_string(facts.offset));
  bool short_of_end = r.total >= 0 && r.last != r.total - 1;
  if (short_of_end && (resuming || r.last != facts.asked_last))
    return retry_or_fail("206 ends before the end of the file");
  if (auto conflict = total_conflict(r.total, facts, resuming))
    return resuming ? decide(response_action::refetch_from_zero, -1, *conflict)
                    : decide(response_action::fail_permanent, -1, *conflict);
  if (resuming && !head.validator.empty() &&
      head.validator != facts.sent_validator)
    return retry_or_fail("206 for a different version of the file");
  if (short_of_end) // the bytes asked, of a larger file nobody took over
    return decide(response_action::refetch_from_zero, -1,
                  "206 covers only the first bytes asked");
  return decide(response_action::write_from_offset, r.total);
}

response_decision classify_full(const response_head& head,
                                const request_facts& facts) {
  if (auto conflict = total_conflict(head.content_length, facts, false))
    return decide(response_action::fail_permanent, -1, *conflict);
  return decide(facts.offset > 0 ? response_action::write_from_zero
                                 : response_action::write_from_offset,
                head.content_length);
}

response_decision classify_unsatisfiable(const response_head& head,
                                         const request_facts& facts) {
  if (facts.offset <= 0)
    return decide(response_action::fail_transient, -1,
                  "416 to a request without Range");
  int64_t total = head.range ? head.range->total : -1;
  if (total < 0)
    total =
        facts.resumed_total >= 0 ? facts.resumed_total : facts.expected_size;
  bool consistent = !total_conflict(total, facts, true);
  if (total == facts.offset && consistent)
    return decide(response_action::complete, total);
  return decide(response_action::refetch_from_zero, -1,
                "416: the partial file does not match the server's file");
}

} // namespace

std::optional<content_range> parse_content_range(std::string_view text) {
  text = trim(text);
  constexpr std::string_view unit = "bytes ";
  if (text.substr(0, unit.size()) != unit)
    return std::nullopt;
  text = trim(text.substr(unit.size()));
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto span = text.substr(0, slash);
  auto total_text = text.substr(slash + 1);
  content_range out;
  if (total_text != "*") {
    auto total = parse_count(total_text);
    if (!total)
      return std::nullopt;
    out.total = *total;
  }
  if (span == "*")
    return out.total >= 0 ? std::optional{out} : std::nullopt;
  auto dash = span.find('-');
  if (dash == std::string_view::npos)
    return std::nullopt;
  auto first = parse_count(span.substr(0, dash));
  auto last = parse_count(span.substr(dash + 1));
  if (!first || !last || *last < *first)
    return std::nullopt;
  if (out.total >= 0 && *last >= out.total)
    return std::nullopt;
  out.first = *first;
  out.last = *last;
  return out;
}

std::string choose_validator(std::string_view etag,
                             std::string_view last_modified) {
  etag = trim(etag);
  last_modified = trim(last_modified);
  if (!etag.empty() && etag.substr(0, 2) != "W/")
    return std::string{etag};
  return std::string{last_modified};
}

resume_plan plan_resume(int64_t part_size, int64_t bytes_done,
                        const std::string& validator) {
  int64_t offset = std::min(std::max<int64_t>(part_size, 0),
                            std::max<int64_t>(bytes_done, 0));
  bool had_data = part_size > 0 || bytes_done > 0;
  if (offset > 0 && !validator.empty())
    return {offset, resume_kind::range};
  return {0, had_data ? resume_kind::restart : resume_kind::fresh};
}

bool is_transient_status(long status) {
  return status == 408 || status == 425 || status == 429 ||
         (status >= 500 && status <= 599);
}

response_decision classify_response(const response_head& head,
                                    const request_facts& facts) {
  switch (head.status) {
  case 200:
    return classify_full(head, facts);
  case 206:
    return classify_partial(head, facts);
  case 416:
    return classify_unsatisfiable(head, facts);
  default:
    break;
  }
  auto reason = "HTTP " + std::to_string(head.status);
  if (is_transient_status(head.status))
    return decide(response_action::fail_transient, -1, reason);
  if (head.status >= 400 && head.status <= 499)
    return decide(response_action::fail_permanent, -1, reason);
  return decide(response_action::fail_permanent, -1, "unexpected " + reason);
}

} // namespace kumo::downloader
