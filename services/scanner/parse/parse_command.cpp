#include "parse/parse_command.hpp"

#include "parse/episode_name.hpp"

#include <cstdio>

namespace kumo::scanner {

namespace {

void append_string(std::string& out, const std::string& text) {
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_optional(std::string& out, const std::string& text) {
  if (text.empty())
    out += "null";
  else
    append_string(out, text);
}

void append_list(std::string& out, const std::vector<int>& numbers) {
  out += '[';
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(numbers[i]);
  }
  out += ']';
}

} // namespace

std::string to_json(const episode_name& p) {
  std::string out = "{\"title\":";
  append_string(out, p.title);
  out += ",\"year\":";
  out += p.year ? std::to_string(*p.year) : "null";
  out += ",\"season\":";
  out += p.season ? std::to_string(*p.season) : "null";
  out += ",\"episodes\":";
  append_list(out, p.episodes);
  out += ",\"absolute\":";
  append_list(out, p.absolute);
  out += ",\"group\":";
  append_optional(out, p.group);
  out += ",\"resolution\":";
  append_optional(out, p.resolution);
  out += ",\"special\":";
  out += p.special ? "true" : "false";
  out += ",\"source\":";
  append_optional(out, p.source);
  out += ",\"extension\":";
  append_optional(out, p.extension);
  out += ",\"date\":";
  append_optional(out, p.date);
  out += '}';
  return out;
}

int run_parse_command(std::istream& in, std::ostream& out) {
  auto* buf = in.rdbuf();
  if (buf == nullptr)
    return 1;
  std::string line;
  bool pending = false;
  for (;;) {
    int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof() || c == '\n') {
      if (c != std::char_traits<char>::eof() || pending) {
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        out << to_json(parse_episode_name(line)) << '\n';
        // Answer at once when no more input is waiting: a caller may write
        // one name and wait for its line.
        if (buf->in_avail() <= 0)
          out.flush();
      }
      if (c == std::char_traits<char>::eof())
        break;
      line.clear();
      pending = false;
      continue;
    }
    pending = true;
    // Bytes past the limit are read and dropped, so memory stays bounded.
    if (line.size() < max_name_bytes)
      line += static_cast<char>(c);
  }
  out.flush();
  return out ? 0 : 1;
}

} // namespace kumo::scanner
