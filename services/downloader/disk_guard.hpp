#pragma once

// The free-space guard: a download must leave a floor of free space on the
// library's file system (the stricter of a byte count and a percentage of
// its size). Checked before a job starts, with the bytes it still has to
// write reserved, and every few MiB while bytes arrive; a worker below the
// floor claims nothing until space returns. The decision is pure; reading
// the file system (statvfs) is injected. The floor follows the runtime
// configuration ("disk" section, kumo.config.changed) without a restart.

#include "kumo/result.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kumo::downloader {

/// The floor. Defaults: 2 GiB and 5 %.
struct disk_floor {
  int64_t min_free_bytes = int64_t{2} << 30;
  double min_free_percent = 5.0;
};

/// A file system's space as an unprivileged writer sees it.
struct disk_space {
  int64_t free_bytes = 0;  ///< available to unprivileged users
  int64_t total_bytes = 0; ///< size of the file system
};

/// The floor in bytes on a file system of `total_bytes`: the larger of
/// min_free_bytes and min_free_percent of total_bytes.
int64_t floor_bytes(const disk_floor& floor, int64_t total_bytes);

/// Why writing `reserve` more bytes (0 when unknown) would take `space`
/// below `floor`, or "" when it would not. Free space minus the reserve
/// must stay at or above the floor.
std::string disk_refusal(const disk_space& space, int64_t reserve,
                         const disk_floor& floor);

/// `current` with the fields of the "disk" section of a configuration
/// document (min_free_bytes >= 0, min_free_percent 0..90) in place of its
/// own; a document without the section leaves it as it is. A bad value
/// fails naming the field ("disk.min_free_bytes") and changes nothing.
result<disk_floor> floor_from_config(const nlohmann::json& doc,
                                     const disk_floor& current);

/// Reads the space of the file system holding `path` (statvfs); nullopt
/// when it cannot be read.
std::optional<disk_space> read_disk_space(const std::string& path);

/// Paces checks while bytes arrive: due() is true once per `every` bytes.
class check_pacer {
public:
  explicit check_pacer(int64_t every) : every_(every) {
    // nop
  }

  /// True when `position` passed the next checkpoint (which then moves on).
  bool due(int64_t position) {
    if (position < next_)
      return false;
    next_ = position + every_;
    return true;
  }

private:
  int64_t every_;
  int64_t next_ = 0;
};

/// The guard of one library root. Thread-safe: the floor may change (under
/// a mutex) while jobs check it.
class disk_guard {
public:
  using space_source =
      std::function<std::optional<disk_space>(const std::string&)>;

  disk_guard(std::string root, disk_floor floor,
             space_source source = read_disk_space);

  /// "" when `reserve` more bytes fit above the floor; otherwise why not. A
  /// file system whose space cannot be read counts as full (fail closed).
  std::string check(int64_t reserve) const;

  /// The floor checks use from now on.
  void set_floor(const disk_floor& floor);
  disk_floor floor() const;

  /// Bytes between two checks while a download writes (4 MiB).
  static constexpr int64_t check_every = int64_t{4} << 20;

private:
  std::string root_;
  mutable std::mutex mutex_;
  disk_floor floor_;
  space_source source_;
};

} // namespace kumo::downloader
