#include "path_template.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kumo::queue {

namespace {

constexpr size_t max_component_bytes = 200;
constexpr size_t max_segment_bytes = 255;

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool is_number_placeholder(const std::string& name) {
  return name == "season" || name == "episode";
}

bool is_known_placeholder(const std::string& name) {
  return is_number_placeholder(name) || name == "folder" || name == "name" ||
         name == "key" || name == "ext";
}

std::string upper(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

bool is_reserved_device_name(std::string_view component) {
  auto base = upper(component.substr(0, component.find('.')));
  static constexpr std::array<const char*, 4> fixed{"CON", "PRN", "AUX", "NUL"};
  for (auto* name : fixed)
    if (base == name)
      return true;
  return base.size() == 4 &&
         (base.rfind("COM", 0) == 0 || base.rfind("LPT", 0) == 0) &&
         base[3] >= '1' && base[3] <= '9';
}

/// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& text, size_t limit) {
  if (text.size() <= limit)
    return;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
}

void trim(std::string& text, std::string_view leading,
          std::string_view trailing) {
  auto first = text.find_first_not_of(leading);
  if (first == std::string::npos) {
    text.clear();
    return;
  }
  text.erase(0, first);
  auto last = text.find_last_not_of(trailing);
  text.resize(last == std::string::npos ? 0 : last + 1);
}

std::string pad_number(int value, int width) {
  auto digits = std::to_string(value < 0 ? -value : value);
  if (static_cast<int>(digits.size()) < width)
    digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
  return value < 0 ? "-" + digits : digits;
}

/// Parses "name" or "name:0N" between braces.
result<std::pair<std::string, int>> parse_placeholder(const std::string& body) {
  auto colon = body.find(':');
  auto name = body.substr(0, colon);
  if (!is_known_placeholder(name))
    return invalid("unknown placeholder {" + body +
                   "}; known: folder, name, key, season, "
                   "episode, ext");
  if (colon == std::string::npos)
    return std::make_pair(name, 0);
  auto spec = body.substr(colon + 1);
  if (!is_number_placeholder(name) || spec.size() != 2 || spec[0] != '0' ||
      spec[1] < '1' || spec[1] > '9')
    return invalid("invalid width in {" + body +
                   "}; only season and episode take :0N (N 1..9)");
  return std::make_pair(name, spec[1] - '0');
}

} // namespace

result<path_template> path_template::parse(const std::string& text) {
  path_template out;
  std::string literal;
  bool has_season = false;
  bool has_episode = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}')
      return invalid("unbalanced '}' in path template");
    if (text[i] != '{') {
      literal += text[i];
      continue;
    }
    auto close = text.find('}', i);
    if (close == std::string::npos || text.find('{', i + 1) < close)
      return invalid("unbalanced '{' in path template");
    auto parsed = parse_placeholder(text.substr(i + 1, close - i - 1));
    if (!parsed)
      return parsed.error();
    if (!literal.empty())
      out.pieces_.push_back({true, std::move(literal), 0});
    literal.clear();
    has_season |= parsed->first == "season";
    has_episode |= parsed->first == "episode";
    out.pieces_.push_back({false, parsed->first, parsed->second});
    i = close;
  }
  if (!literal.empty())
    out.pieces_.push_back({true, std::move(literal), 0});
  if (!has_season || !has_episode)
    return invalid("path template must contain {season} and {episode}");
  auto sample = out.render({"Folder", "Name", "key", 1, 2, "mp4"});
  if (!sample)
    return invalid("path template gives an unsafe path: " +
                   sample.error().message);
  return out;
}

result<std::string> path_template::render(const path_values& values) const {
  std::string path;
  for (const auto& p : pieces_) {
    if (p.literal) {
      path += p.text;
      continue;
    }
    if (is_number_placeholder(p.text)) {
      path += pad_number(p.text == "season" ? values.season : values.episode,
                         p.width);
      continue;
    }
    const auto& raw = p.text == "folder" ? values.folder
                      : p.text == "name" ? values.name
                      : p.text == "key"  ? values.key
                                         : values.ext;
    auto clean = sanitize_component(raw);
    if (clean.empty())
      return invalid(p.text + " is empty after sanitization");
    path += clean;
  }
  auto reason = unsafe_path_reason(path);
  if (!reason.empty())
    return invalid(reason);
  return path;
}

std::string sanitize_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    out += (c == '/' || c == '\\' || is_control(c)) ? '_' : ch;
  }
  // Leading dots hide files or form "..", trailing ones vanish on SMB shares.
  trim(out, ". ", ". ");
  cut_utf8(out, max_component_bytes);
  trim(out, ". ", ". ");
  if (!out.empty() && is_reserved_device_name(out))
    out.insert(0, "_");
  return out;
}

std::string extension_from_url(std::string_view url) {
  auto scheme = url.find("://");
  auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto path_start = rest.find('/');
  if (path_start == std::string_view::npos)
    return "mp4";
  auto path = rest.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  auto name = path.substr(path.rfind('/') + 1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos)
    return "mp4";
  auto ext = std::string{name.substr(dot + 1)};
  if (ext.empty() || ext.size() > 5 ||
      !std::all_of(ext.begin(), ext.end(),
                   [](unsigned char c) { return std::isalnum(c); }))
    return "mp4";
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == "m3u8" || ext == "m3u")
    return "mp4";
  static constexpr std::array<const char*, 8> pages{
      "php", "html", "htm", "asp", "aspx", "jsp", "cgi", "xhtml"};
  for (auto* page : pages)
    if (ext == page)
      return "mp4";
  return ext;
}

std::string unsafe_path_reason(std::string_view path) {
  if (path.empty())
    return "path is empty";
  if (path.front() == '/')
    return "path is absolute";
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\\')
      return "path contains a backslash";
    if (is_control(c))
      return "path contains a control character";
  }
  size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    auto segment = path.substr(start, end == std::string_view::npos
                                          ? std::string_view::npos
                                          : end - start);
    if (segment.empty())
      return "path has an empty segment";
    if (segment == "." || segment == "..")
      return "path has a '" + std::string{segment} + "' segment";
    if (segment.size() > max_segment_bytes)
      return "path segment longer than 255 bytes";
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return {};
}

} // namespace kumo::queue
