#include "http/request_limits.hpp"

#include <algorithm>
#include <cctype>

namespace kumo::gateway {

namespace {

constexpr std::string_view crlf = "\r\n";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

head_refusal refuse(int status, std::string code, std::string message) {
  return {status, std::move(code), std::move(message)};
}

/// The decimal value of a Content-Length, or nullopt.
std::optional<size_t> parse_length(std::string_view text) {
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  size_t out = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    out = out * 10 + static_cast<size_t>(c - '0');
  }
  return out;
}

/// The refusal a single header earns, if any; `length` and `lengths` collect
/// the Content-Length headers.
std::optional<head_refusal> check_header(std::string_view name,
                                         std::string_view value,
                                         const request_limits& limits,
                                         head_verdict& out, int& lengths) {
  if (iequals(name, "Transfer-Encoding")) {
    if (iequals(value, "chunked"))
      return refuse(411, "length_required",
                    "chunked request bodies are not accepted: send the body "
                    "with a Content-Length");
    return refuse(400, "invalid_argument",
                  "Transfer-Encoding is not accepted on requests");
  }
  if (iequals(name, "Content-Encoding") && !iequals(value, "identity"))
    return refuse(415, "unsupported_media_type",
                  "compressed request bodies are not accepted: send the body "
                  "uncompressed");
  if (iequals(name, "Content-Length")) {
    auto length = parse_length(value);
    if (!length || ++lengths > 1)
      return refuse(400, "invalid_argument",
                    "Content-Length must be one decimal number");
    if (*length > limits.max_body_bytes)
      return refuse(413, "payload_too_large",
                    "request body larger than " +
                        std::to_string(limits.max_body_bytes) + " bytes");
    out.content_length = *length;
  }
  return std::nullopt;
}

} // namespace

std::optional<size_t> find_head_end(std::string_view data) {
  auto pos = data.find("\r\n\r\n");
  if (pos == std::string_view::npos)
    return std::nullopt;
  return pos + 4;
}

head_verdict check_request_head(std::string_view head,
                                const request_limits& limits) {
  head_verdict out;
  auto line_end = head.find(crlf);
  if (line_end == std::string_view::npos)
    return out; // nothing to judge: the HTTP library answers 400
  head.remove_prefix(line_end + crlf.size());
  size_t lines = 0;
  int lengths = 0;
  while (!head.empty()) {
    line_end = head.find(crlf);
    if (line_end == std::string_view::npos || line_end == 0)
      break;
    auto line = head.substr(0, line_end);
    head.remove_prefix(line_end + crlf.size());
    if (++lines > limits.max_header_lines) {
      out.refusal =
          refuse(431, "headers_too_large",
                 "more than " + std::to_string(limits.max_header_lines) +
                     " header lines");
      return out;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue; // the HTTP library skips it too
    out.refusal =
        check_header(trim(line.substr(0, colon)), trim(line.substr(colon + 1)),
                     limits, out, lengths);
    if (out.refusal)
      return out;
  }
  return out;
}

head_refusal head_too_large(const request_limits& limits) {
  return refuse(431, "headers_too_large",
                "request line and headers larger than " +
                    std::to_string(limits.max_head_bytes) + " bytes");
}

} // namespace kumo::gateway
