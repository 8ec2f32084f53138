#include "kumo/local_addresses.hpp"

#include <ifaddrs.h>
#include <memory>
#include <mutex>

namespace kumo {

namespace {

struct address_cache {
  std::mutex mtx;
  std::chrono::steady_clock::time_point read_at;
  std::optional<std::vector<ip_address>> list;
};

} // namespace

std::optional<std::vector<ip_address>> read_interface_addresses() {
  ifaddrs* head = nullptr;
  if (getifaddrs(&head) != 0)
    return std::nullopt;
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner{head, freeifaddrs};
  std::vector<ip_address> out;
  for (auto* it = head; it != nullptr; it = it->ifa_next)
    if (auto addr = from_sockaddr(it->ifa_addr))
      out.push_back(*addr);
  return out;
}

local_address_source
cached_interface_addresses(std::chrono::milliseconds max_age) {
  auto cache = std::make_shared<address_cache>();
  return [cache, max_age]() -> std::optional<std::vector<ip_address>> {
    std::lock_guard<std::mutex> guard{cache->mtx};
    auto now = std::chrono::steady_clock::now();
    if (!cache->list || now - cache->read_at >= max_age) {
      if (auto fresh = read_interface_addresses()) {
        cache->list = std::move(fresh);
        cache->read_at = now;
      }
    }
    return cache->list;
  };
}

} // namespace kumo
