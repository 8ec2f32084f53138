#include "sse_parser.hpp"

#include <utility>

namespace kumo::cli {

sse_parser::sse_parser(handler on_event, std::size_t max_line,
                       std::size_t max_event)
    : on_event_(std::move(on_event)),
      max_line_(max_line),
      max_event_(max_event) {
  // nop
}

void sse_parser::feed(std::string_view chunk) {
  for (char c : chunk) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n')
        continue; // CRLF: the CR already ended the line
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      if (skipping_line_)
        skipping_line_ = false;
      else
        line(line_);
      line_.clear();
      continue;
    }
    if (skipping_line_)
      continue;
    if (line_.size() >= max_line_) {
      line_.clear();
      skipping_line_ = true;
      poisoned_ = true;
      continue;
    }
    line_.push_back(c);
  }
}

void sse_parser::line(std::string_view text) {
  if (text.empty()) {
    dispatch();
    return;
  }
  if (text.front() == ':')
    return; // comment
  auto colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    if (current_.data.size() + value.size() + 1 > max_event_) {
      poisoned_ = true;
      return;
    }
    if (has_data_)
      current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.type = std::string{value};
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos)
      current_.id = std::string{value};
  } else if (field == "retry") {
    if (!value.empty() && value.size() < 10 &&
        value.find_first_not_of("0123456789") == std::string_view::npos)
      retry_ms_ = std::stol(std::string{value});
  }
}

void sse_parser::dispatch() {
  if (!current_.id.empty())
    last_id_ = current_.id;
  if (poisoned_)
    ++dropped_;
  else if (has_data_)
    on_event_(current_);
  current_ = sse_event{};
  has_data_ = false;
  poisoned_ = false;
}

} // namespace kumo::cli
