#include "rss/feed_parse.hpp"

#include "kumo/contracts/source_url.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <pugixml.hpp>
#include <set>

namespace kumo::providers::rss {

namespace {

using node = pugi::xml_node;

/// The name of `n` without its namespace prefix ("itunes:season" ->
/// "season").
std::string_view local_name(const node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

/// The first element child of `n` named `local`: exactly, or with any
/// namespace prefix when `any_prefix` ("itunes:season").
node child(const node& n, std::string_view local, bool any_prefix = false) {
  for (auto c : n.children()) {
    if (c.type() != pugi::node_element)
      continue;
    if (any_prefix ? local_name(c) == local
                   : std::string_view(c.name()) == local)
      return c;
  }
  return {};
}

std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string text_of(const node& n) {
  return n ? trimmed(n.child_value()) : std::string{};
}

/// A whole decimal number in [0, max]; nullopt otherwise.
std::optional<long long> whole(std::string_view s, long long max) {
  auto t = trimmed(s);
  if (t.empty() || t.size() > 16)
    return std::nullopt;
  long long v = 0;
  for (char c : t) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max)
    return std::nullopt;
  return v;
}

bool is_hls(const std::string& url, const std::string& type) {
  auto path = url.substr(0, url.find_first_of("?#"));
  bool m3u8 =
      path.size() >= 5 && path.compare(path.size() - 5, 5, ".m3u8") == 0;
  return m3u8 || type == "application/vnd.apple.mpegurl" ||
         type == "application/x-mpegURL" || type == "audio/mpegurl";
}

/// What one item or entry holds before it is checked.
struct raw_item {
  std::string title, guid, date, url, type, length, season, episode;
};

raw_item read_rss_item(const node& item) {
  raw_item r;
  r.title = text_of(child(item, "title"));
  r.guid = text_of(child(item, "guid"));
  r.date = text_of(child(item, "pubDate"));
  auto enc = child(item, "enclosure");
  r.url = trimmed(enc.attribute("url").value());
  r.type = trimmed(enc.attribute("type").value());
  r.length = enc.attribute("length").value();
  r.season = text_of(child(item, "season", true));
  r.episode = text_of(child(item, "episode", true));
  if (r.guid.empty())
    r.guid = r.url;
  return r;
}

raw_item read_atom_entry(const node& entry) {
  raw_item r;
  r.title = text_of(child(entry, "title", true));
  r.guid = text_of(child(entry, "id", true));
  r.date = text_of(child(entry, "published", true));
  if (r.date.empty())
    r.date = text_of(child(entry, "updated", true));
  for (auto link : entry.children()) {
    if (local_name(link) != "link" ||
        std::string_view(link.attribute("rel").value()) != "enclosure")
      continue;
    r.url = trimmed(link.attribute("href").value());
    r.type = trimmed(link.attribute("type").value());
    r.length = link.attribute("length").value();
    break;
  }
  r.season = text_of(child(entry, "season", true));
  r.episode = text_of(child(entry, "episode", true));
  if (r.guid.empty())
    r.guid = r.url;
  return r;
}

/// The episode of `r`, or why it is skipped.
std::optional<episode_info> to_episode(const raw_item& r,
                                       const address_policy& policy,
                                       const feed_limits& lim,
                                       std::string& why) {
  auto label = r.title.empty() ? std::string("an untitled item")
                               : "'" + cut_utf8(r.title, 80) + "'";
  if (r.url.empty())
    return why = label + " has no enclosure", std::nullopt;
  if (auto problem = contracts::source_url_problem(r.url, policy))
    return why = label + ": enclosure URL " + *problem, std::nullopt;
  if (r.guid.size() > lim.max_guid_bytes)
    return why = label + " has a guid over " +
                 std::to_string(lim.max_guid_bytes) + " bytes",
           std::nullopt;
  episode_info ep;
  ep.title = cut_utf8(r.title, lim.max_title_bytes);
  ep.guid = r.guid;
  ep.air_date = feed_date(r.date);
  auto season = whole(r.season, 10000);
  auto number = whole(r.episode, 100000);
  if (season && number) {
    ep.season = static_cast<int>(*season);
    ep.episode = static_cast<int>(*number);
  } else if (number && !season) {
    ep.season = 1; // itunes:episode without a season: season 1
    ep.episode = static_cast<int>(*number);
  }
  source src{is_hls(r.url, r.type) ? "hls" : "rss", r.url, "", -1};
  if (auto size = whole(r.length, int64_t{1} << 53); size && *size > 0)
    src.size = *size;
  ep.sources.push_back(std::move(src));
  return ep;
}

void skip(series_details& out, const feed_limits& lim, std::string why) {
  ++out.skipped_total;
  if (out.skipped.size() < lim.max_skip_reasons)
    out.skipped.push_back(std::move(why));
}

} // namespace

std::string cut_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return std::string(text);
  auto end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end));
}

std::string feed_date(std::string_view text) {
  auto t = trimmed(text);
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > t.size())
      return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(t[i])))
        return false;
    return true;
  };
  if (digits(0, 4) && t.size() >= 10 && t[4] == '-' && digits(5, 2) &&
      t[7] == '-' && digits(8, 2))
    return t.substr(0, 10);
  static const std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr",
                                                  "May", "Jun", "Jul", "Aug",
                                                  "Sep", "Oct", "Nov", "Dec"};
  auto comma = t.find(',');
  auto rest = trimmed(comma == std::string::npos ? t : t.substr(comma + 1));
  int day = 0, year = 0;
  char month[4] = {0};
  if (std::sscanf(rest.c_str(), "%2d %3s %4d", &day, month, &year) != 3 ||
      day < 1 || day > 31 || year < 1880 || year > 2199)
    return {};
  for (std::size_t m = 0; m < months.size(); ++m)
    if (std::strcmp(month, months.at(m)) == 0) {
      char out[11];
      std::snprintf(out, sizeof out, "%04d-%02zu-%02d", year, m + 1, day);
      return out;
    }
  return {};
}

result<series_details> parse_feed(std::string_view text,
                                  const address_policy& policy,
                                  const feed_limits& limits) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default,
                                pugi::encoding_auto);
  if (!parsed)
    return invalid(std::string("the feed is not well-formed XML: ") +
                   parsed.description() + " at byte " +
                   std::to_string(parsed.offset));
  auto root = doc.document_element();
  bool atom = local_name(root) == "feed";
  auto channel = atom ? root : child(root, "channel");
  if (!(local_name(root) == "rss" || atom) || !channel)
    return invalid("the document is neither an RSS 2.0 nor an Atom feed");
  series_details out;
  out.title = cut_utf8(text_of(child(channel, "title", true)), 500);
  std::size_t seen = 0;
  std::set<std::string> guids;
  for (auto item : channel.children()) {
    if (local_name(item) != (atom ? "entry" : "item"))
      continue;
    if (++seen > limits.max_items) {
      skip(out, limits,
           "the feed lists more than " + std::to_string(limits.max_items) +
               " items; the rest is not read");
      break;
    }
    auto raw = atom ? read_atom_entry(item) : read_rss_item(item);
    std::string why;
    auto ep = to_episode(raw, policy, limits, why);
    if (ep && !guids.insert(ep->guid).second)
      why = "'" + cut_utf8(raw.title, 80) +
            "' repeats the guid of an earlier item";
    if (ep && why.empty())
      out.episodes.push_back(std::move(*ep));
    else
      skip(out, limits, std::move(why));
  }
  if (out.episodes.empty())
    return invalid("the feed lists no item with a usable enclosure" +
                   (out.skipped.empty() ? std::string{}
                                        : " (" + out.skipped.front() + ")"));
  return out;
}

} // namespace kumo::providers::rss
