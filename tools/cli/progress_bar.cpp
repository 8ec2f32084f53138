#include "progress_bar.hpp"

#include "terminal_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kumo::cli {

namespace {

double clamped_percent(const bar_state& s) {
  if (s.percent >= 0)
    return std::min(s.percent, 100.0);
  if (s.total > 0)
    return std::clamp(100.0 * static_cast<double>(s.current) /
                          static_cast<double>(s.total),
                      0.0, 100.0);
  return -1;
}

std::string percent_text(const bar_state& s) {
  auto p = clamped_percent(s);
  if (p < 0)
    return "    ?%";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%5.1f%%", p);
  return buf;
}

/// Speed and ETA while downloading, the status otherwise.
std::string detail_text(const bar_state& s) {
  if (s.status != "downloading" && !s.status.empty())
    return fit_to_width(s.status, 22, true);
  auto speed = fit_to_width(
      human_bytes(static_cast<double>(s.speed_bps)) + "/s", 11, false);
  speed.insert(0, 11 - display_width(speed), ' ');
  return speed + " ETA " + fit_to_width(human_duration(s.eta_seconds), 6, true);
}

std::string bar_text(const bar_state& s, std::size_t inner) {
  auto p = clamped_percent(s);
  auto filled = p < 0 ? 0
                      : static_cast<std::size_t>(
                            std::floor(p / 100.0 * static_cast<double>(inner)));
  filled = std::min(filled, inner);
  return "[" + std::string(filled, '#') + std::string(inner - filled, '.') +
         "]";
}

} // namespace

std::string render_bar(const bar_state& s, std::size_t width,
                       std::size_t title_columns) {
  const auto pct = percent_text(s);
  const auto detail = detail_text(s);
  const std::string tail = " " + pct + "  " + detail;
  const auto tail_width = display_width(tail);
  constexpr std::size_t min_title = 8;
  constexpr std::size_t min_bar = 5; // "[" + 3 + "]"
  if (width >= tail_width + min_title + 1 + min_bar) {
    auto room = width - tail_width;
    auto wanted = title_columns > 0
                      ? title_columns
                      : display_width(sanitize_for_terminal(s.title));
    auto title_cols = std::min(wanted, std::max(min_title, room * 2 / 5));
    title_cols = std::min(title_cols, room - 1 - min_bar);
    auto inner = room - title_cols - 1 - 2;
    return fit_to_width(s.title, title_cols, true) + " " + bar_text(s, inner) +
           tail;
  }
  if (width >= tail_width + min_title)
    return fit_to_width(s.title, width - tail_width, true) + tail;
  const std::string short_tail = " " + pct;
  if (width >= short_tail.size() + min_title)
    return fit_to_width(s.title, width - short_tail.size(), true) + short_tail;
  return fit_to_width(s.title, width, false);
}

std::string render_plain(const bar_state& s) {
  std::string done = human_bytes(static_cast<double>(s.current));
  std::string total =
      s.total >= 0 ? human_bytes(static_cast<double>(s.total)) : "?";
  auto pct = percent_text(s);
  pct.erase(0, pct.find_first_not_of(' '));
  return s.id + " " + (s.status.empty() ? "?" : s.status) + " " + pct + " " +
         done + "/" + total + " " +
         human_bytes(static_cast<double>(s.speed_bps)) + "/s ETA " +
         human_duration(s.eta_seconds) + " " + sanitize_for_terminal(s.title);
}

} // namespace kumo::cli
