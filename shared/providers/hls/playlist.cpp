#include "hls/playlist.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

namespace kumo::providers::hls {

namespace {

using attributes = std::map<std::string, std::string>;

/// Parses an attribute list: NAME=value or NAME="quoted", comma separated.
result<attributes> parse_attributes(std::string_view s) {
  attributes out;
  size_t i = 0;
  while (i < s.size()) {
    auto eq = s.find('=', i);
    if (eq == std::string_view::npos)
      return invalid("attribute without '=': " + std::string{s.substr(i, 80)});
    std::string name{s.substr(i, eq - i)};
    std::string value;
    i = eq + 1;
    if (i < s.size() && s[i] == '"') {
      auto close = s.find('"', i + 1);
      if (close == std::string_view::npos)
        return invalid("unterminated quoted attribute " + name);
      value = std::string{s.substr(i + 1, close - i - 1)};
      i = close + 1;
    } else {
      auto comma = s.find(',', i);
      value = std::string{s.substr(i, comma - i)};
      i = comma == std::string_view::npos ? s.size() : comma;
    }
    out[name] = value;
    if (i < s.size() && s[i] != ',')
      return invalid("malformed attribute list after " + name);
    ++i;
  }
  return out;
}

/// A non-negative integer of at most 15 digits.
std::optional<int64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 15)
    return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

result<double> parse_duration(std::string_view s, const limits& lim) {
  std::string text{s.substr(0, s.find(','))};
  if (text.empty() || text.size() > 32)
    return invalid("segment duration is missing or too long");
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v))
    return invalid("segment duration is not a number: " + text);
  if (v < 0)
    return invalid("segment duration is negative: " + text);
  if (v > lim.max_segment_seconds)
    return invalid("segment duration is too long: " + text);
  return v;
}

result<std::array<uint8_t, 16>> parse_iv(const std::string& s) {
  if (s.size() != 34 || (s.substr(0, 2) != "0x" && s.substr(0, 2) != "0X"))
    return invalid("key IV must be 0x and 32 hex digits");
  std::array<uint8_t, 16> iv{};
  for (size_t k = 0; k < 32; ++k) {
    auto c = static_cast<unsigned char>(s[2 + k]);
    if (!std::isxdigit(c))
      return invalid("key IV must be 0x and 32 hex digits");
    int v = std::isdigit(c) ? c - '0' : std::tolower(c) - 'a' + 10;
    iv[k / 2] = static_cast<uint8_t>(iv[k / 2] << 4 | v);
  }
  return iv;
}

/// The state of a parse, line by line.
struct parser {
  const std::string& url;
  const limits& lim;
  playlist out;
  master_playlist master;
  media_playlist media;
  bool endlist = false;
  bool media_tags = false;
  std::optional<double> pending_duration;
  std::optional<variant> pending_variant;
  std::optional<aes_key> key;
  std::optional<byte_range> pending_range;
  int64_t next_range_offset = 0;

  result<void> tag(std::string_view line);
  result<void> uri(std::string_view line);
  result<void> key_tag(std::string_view attrs);
  result<void> stream_tag(std::string_view attrs);
  result<void> range_tag(std::string_view value);
  result<playlist> finish();
};

bool starts(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

result<void> parser::key_tag(std::string_view text) {
  auto attrs = parse_attributes(text);
  if (!attrs)
    return attrs.error();
  auto method = (*attrs)["METHOD"];
  if (method == "NONE") {
    key.reset();
    return {};
  }
  if (method != "AES-128")
    return invalid("encryption method is not supported: " +
                   method.substr(0, 40));
  auto resolved = resolve_url(url, (*attrs)["URI"]);
  if (!resolved)
    return invalid("key " + resolved.error().message);
  aes_key k;
  k.url = *resolved;
  if (attrs->count("IV")) {
    auto iv = parse_iv((*attrs)["IV"]);
    if (!iv)
      return iv.error();
    k.iv = *iv;
  }
  key = k;
  return {};
}

result<void> parser::stream_tag(std::string_view text) {
  auto attrs = parse_attributes(text);
  if (!attrs)
    return attrs.error();
  variant v;
  auto bw = parse_count((*attrs)["BANDWIDTH"]);
  if (!bw)
    return invalid("EXT-X-STREAM-INF without a valid BANDWIDTH");
  v.bandwidth = *bw;
  if (attrs->count("RESOLUTION")) {
    auto r = (*attrs)["RESOLUTION"];
    auto x = r.find('x');
    auto w = parse_count(r.substr(0, x));
    auto h =
        x == std::string::npos ? std::nullopt : parse_count(r.substr(x + 1));
    if (!w || !h || *w > 100'000 || *h > 100'000)
      return invalid("malformed RESOLUTION: " + r.substr(0, 40));
    v.width = static_cast<int>(*w);
    v.height = static_cast<int>(*h);
  }
  pending_variant = v;
  return {};
}

result<void> parser::range_tag(std::string_view value) {
  auto at = value.find('@');
  auto len = parse_count(value.substr(0, at));
  if (!len || *len == 0)
    return invalid("malformed EXT-X-BYTERANGE");
  byte_range r{*len, next_range_offset};
  if (at != std::string_view::npos) {
    auto off = parse_count(value.substr(at + 1));
    if (!off)
      return invalid("malformed EXT-X-BYTERANGE offset");
    r.offset = *off;
  }
  pending_range = r;
  return {};
}

result<void> parser::tag(std::string_view line) {
  if (starts(line, "#EXTINF:")) {
    auto d = parse_duration(line.substr(8), lim);
    if (!d)
      return d.error();
    pending_duration = *d;
    media_tags = true;
  } else if (starts(line, "#EXT-X-KEY:")) {
    return key_tag(line.substr(11));
  } else if (starts(line, "#EXT-X-STREAM-INF:")) {
    return stream_tag(line.substr(18));
  } else if (starts(line, "#EXT-X-BYTERANGE:")) {
    return range_tag(line.substr(17));
  } else if (starts(line, "#EXT-X-MEDIA-SEQUENCE:")) {
    auto n = parse_count(line.substr(22));
    if (!n)
      return invalid("malformed EXT-X-MEDIA-SEQUENCE");
    media.media_sequence = *n;
  } else if (starts(line, "#EXT-X-TARGETDURATION:")) {
    auto n = parse_count(line.substr(22));
    if (!n)
      return invalid("malformed EXT-X-TARGETDURATION");
    media.target_duration = static_cast<double>(*n);
    media_tags = true;
  } else if (line == "#EXT-X-ENDLIST") {
    endlist = true;
  }
  return {}; // other tags and comments carry nothing needed here
}

result<void> parser::uri(std::string_view line) {
  auto resolved = resolve_url(url, line);
  if (!resolved)
    return invalid("segment or stream " + resolved.error().message);
  if (pending_variant) {
    if (master.variants.size() >= lim.max_variants)
      return invalid("too many variants (more than " +
                     std::to_string(lim.max_variants) + ")");
    pending_variant->url = *resolved;
    master.variants.push_back(*pending_variant);
    pending_variant.reset();
    return {};
  }
  if (!pending_duration)
    return invalid("URI without EXTINF or EXT-X-STREAM-INF");
  if (media.segments.size() >= lim.max_segments)
    return invalid("too many segments (more than " +
                   std::to_string(lim.max_segments) + ")");
  segment s;
  s.url = *resolved;
  s.duration = *pending_duration;
  s.sequence =
      media.media_sequence + static_cast<int64_t>(media.segments.size());
  s.key = key;
  s.range = pending_range;
  if (pending_range)
    next_range_offset = pending_range->offset + pending_range->length;
  media.segments.push_back(std::move(s));
  pending_duration.reset();
  pending_range.reset();
  return {};
}

result<playlist> parser::finish() {
  if (!master.variants.empty() && (media_tags || !media.segments.empty()))
    return invalid("playlist mixes variants and segments");
  if (!master.variants.empty()) {
    out.master = std::move(master);
    return std::move(out);
  }
  if (media.segments.empty())
    return invalid("playlist has no segments");
  if (!endlist)
    return invalid("live playlists are not supported (no EXT-X-ENDLIST): "
                   "only video on demand can be downloaded");
  out.media = std::move(media);
  return std::move(out);
}

} // namespace

double media_playlist::total_seconds() const {
  double sum = 0;
  for (const auto& s : segments)
    sum += s.duration;
  return sum;
}

result<playlist> parse(std::string_view text, const std::string& url,
                       const limits& lim) {
  if (text.size() > lim.max_bytes)
    return invalid("playlist is larger than " + std::to_string(lim.max_bytes) +
                   " bytes");
  if (!starts(text, "#EXTM3U"))
    return invalid("not an HLS playlist (no #EXTM3U)");
  parser p{url, lim, {}, {}, {}, false, false, {}, {}, {}, {}, 0};
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto end = nl == std::string_view::npos ? text.size() : nl;
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > lim.max_line)
      return invalid("playlist line longer than " +
                     std::to_string(lim.max_line) + " bytes");
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    if (line.empty())
      continue;
    auto done = line[0] == '#' ? p.tag(line) : p.uri(line);
    if (!done)
      return std::move(done).error();
  }
  return p.finish();
}

} // namespace kumo::providers::hls
