#pragma once

// How the catalog knows which episodes a file holds (migration 008): a
// file row `f` holds the episode row `e` of the same series when this SQL
// condition is true. The scan wrote the files' numbers; no link rows.

/// SQL: file `f` holds episode `e` (both of one series).
#define KUMO_FILE_HOLDS_EPISODE                                                \
  "((f.season = e.season AND e.episode = ANY (f.episodes))"                    \
  " OR e.absolute = ANY (f.absolutes))"
