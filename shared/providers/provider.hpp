#pragma once

// Where episodes come from: one interface every provider implements (a
// plain URL, an RSS/Atom feed, ...). A provider answers what a series holds
// (series_info) and where one episode can be fetched (resolve). Blocking:
// call it from a thread that may block (a detached actor, a job thread).
// Errors are values (kumo::result); a provider never throws to its caller.

#include "kumo/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kumo::providers {

/// One place an episode can be fetched from. `provider` is the name the
/// queue knows ("direct", "rss", "hls", "ytdlp").
struct source {
  std::string provider;
  std::string url;
  std::string sha256; ///< 64 lowercase hex digits or "" (unknown)
  int64_t size = -1;  ///< bytes, -1 unknown
};

/// One episode as a provider lists it. Numbers a provider does not know are
/// empty; the caller may derive them from the title (the scanner applies
/// its episode-name parser).
struct episode_info {
  std::optional<int> season;
  std::optional<int> episode;
  std::optional<int> absolute;
  std::string title;
  std::string air_date;        ///< YYYY-MM-DD or ""
  std::string guid;            ///< stable across fetches; never empty
  std::vector<source> sources; ///< ordered: first tried first; never empty
};

/// What a provider knows of one series.
struct series_details {
  std::string title;
  std::optional<int> year;
  std::vector<episode_info> episodes;
  /// Items the provider passed over, one sentence each (no enclosure, a
  /// URL that is not http(s), ...). At most a few are kept.
  std::vector<std::string> skipped;
  std::size_t skipped_total = 0;
};

/// A series a search found.
struct search_hit {
  std::string title;
  std::string link; ///< what series_info takes
  std::optional<int> year;
};

class provider {
public:
  virtual ~provider() = default;

  /// The provider's name as stored in scanner_series.site ("rss", ...).
  virtual std::string name() const = 0;

  /// Series matching `query`. A provider that cannot search answers a
  /// failure with errc::invalid_argument saying so.
  virtual result<std::vector<search_hit>> search(const std::string& query) = 0;

  /// Title, year and episodes of the series at `link`.
  virtual result<series_details> series_info(const std::string& link) = 0;

  /// The ordered sources of `episode` (an episode series_info() returned).
  virtual result<std::vector<source>> resolve(const episode_info& episode) = 0;
};

/// The failure of a provider that cannot search.
inline failure search_not_supported(const std::string& provider) {
  return invalid("provider '" + provider + "' cannot search; give a link");
}

} // namespace kumo::providers
