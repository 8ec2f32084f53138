#include "disk_guard.hpp"

#include <algorithm>
#include <cmath>
#include <sys/statvfs.h>

namespace kumo::downloader {

namespace {

std::string mib(int64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

} // namespace

int64_t floor_bytes(const disk_floor& floor, int64_t total_bytes) {
  auto share = static_cast<int64_t>(std::ceil(static_cast<double>(total_bytes) *
                                              floor.min_free_percent / 100.0));
  return std::max(floor.min_free_bytes, share);
}

std::string disk_refusal(const disk_space& space, int64_t reserve,
                         const disk_floor& floor) {
  auto need = floor_bytes(floor, space.total_bytes);
  auto left = space.free_bytes - std::max<int64_t>(reserve, 0);
  if (left >= need)
    return {};
  std::string why = "disk almost full: " + mib(space.free_bytes) + " free";
  if (reserve > 0)
    why += ", " + mib(reserve) + " still to write";
  return why + ", floor " + mib(need);
}

result<disk_floor> floor_from_config(const nlohmann::json& doc,
                                     const disk_floor& current) {
  if (!doc.is_object() || !doc.contains("disk"))
    return current;
  const auto& d = doc["disk"];
  if (!d.is_object())
    return invalid("must be an object", "disk");
  auto out = current;
  if (d.contains("min_free_bytes")) {
    const auto& v = d["min_free_bytes"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      return invalid("must be an integer >= 0", "disk.min_free_bytes");
    out.min_free_bytes = v.get<int64_t>();
  }
  if (d.contains("min_free_percent")) {
    const auto& v = d["min_free_percent"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 90)
      return invalid("must be an integer from 0 to 90",
                     "disk.min_free_percent");
    out.min_free_percent = static_cast<double>(v.get<int64_t>());
  }
  return out;
}

std::optional<disk_space> read_disk_space(const std::string& path) {
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) != 0)
    return std::nullopt;
  auto unit = static_cast<int64_t>(vfs.f_frsize);
  return disk_space{static_cast<int64_t>(vfs.f_bavail) * unit,
                    static_cast<int64_t>(vfs.f_blocks) * unit};
}

disk_guard::disk_guard(std::string root, disk_floor floor, space_source source)
    : root_(std::move(root)), floor_(floor), source_(std::move(source)) {
  // nop
}

std::string disk_guard::check(int64_t reserve) const {
  auto space = source_(root_);
  if (!space)
    return "disk almost full: cannot read the free space of " + root_;
  return disk_refusal(*space, reserve, floor());
}

void disk_guard::set_floor(const disk_floor& floor) {
  std::lock_guard<std::mutex> guard{mutex_};
  floor_ = floor;
}

disk_floor disk_guard::floor() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return floor_;
}

} // namespace kumo::downloader
