#include "hls/playlist.hpp"

#include <algorithm>
#include <cctype>

namespace kumo::providers::hls {

namespace {

/// "best", "worst", or the height limit of "720" / "720p"; -1 for best, -2
/// for worst, 0 for anything else.
int quality_height(std::string_view q) {
  if (q == "best")
    return -1;
  if (q == "worst")
    return -2;
  if (!q.empty() && q.back() == 'p')
    q.remove_suffix(1);
  if (q.empty() || q.size() > 5)
    return 0;
  int h = 0;
  for (char c : q) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return 0;
    h = h * 10 + (c - '0');
  }
  return h;
}

/// Orders variants from worst to best: height, then bandwidth.
bool worse(const variant& a, const variant& b) {
  if (a.height != b.height)
    return a.height < b.height;
  return a.bandwidth < b.bandwidth;
}

} // namespace

bool valid_quality(std::string_view quality) {
  return quality_height(quality) != 0;
}

result<variant> choose_variant(const master_playlist& master,
                               std::string_view quality) {
  if (master.variants.empty())
    return invalid("master playlist lists no variants");
  int limit = quality_height(quality);
  if (limit == 0)
    return invalid("unknown quality \"" + std::string{quality.substr(0, 40)} +
                       "\": use best, worst or a height such as 720",
                   "quality");
  auto sorted = master.variants;
  std::stable_sort(sorted.begin(), sorted.end(), worse);
  if (limit == -1)
    return sorted.back();
  if (limit == -2)
    return sorted.front();
  const variant* chosen = nullptr;
  for (const auto& v : sorted)
    if (v.height <= limit)
      chosen = &v;
  return chosen ? *chosen : sorted.front();
}

std::array<uint8_t, 16> segment_iv(const segment& s) {
  if (s.key && s.key->iv)
    return *s.key->iv;
  std::array<uint8_t, 16> iv{};
  auto n = static_cast<uint64_t>(s.sequence);
  for (int k = 15; k >= 8; --k, n >>= 8)
    iv[static_cast<size_t>(k)] = static_cast<uint8_t>(n & 0xff);
  return iv;
}

} // namespace kumo::providers::hls
