// The status reply: one page of every item list, continued by cursors.

#include "store_tx.hpp"

#include <algorithm>

namespace kumo::queue::detail {

namespace {

struct page {
  nlohmann::json items = nlohmann::json::array();
  std::string next_cursor; ///< "" on the last page
};

/// One page of `list` after `after` (nullptr: from the start).
page read_page(pqxx::work& w, contracts::status_list list,
               const contracts::status_cursor* after, int64_t limit) {
  contracts::status_cursor from;
  from.queued_at = "1970-01-01T00:00:00.000000Z";
  if (after)
    from = *after;
  auto rows =
      exec(w, sql::list_page, std::string{contracts::item_status_of(list)},
           after == nullptr, from.rank, from.queued_at, from.seq, limit + 1);
  page out;
  auto shown = std::min<int64_t>(static_cast<int64_t>(rows.size()), limit);
  for (int64_t i = 0; i < shown; ++i)
    out.items.push_back(to_json(read_item(rows[i])));
  if (static_cast<int64_t>(rows.size()) > limit) {
    const auto& last = rows[shown - 1];
    out.next_cursor =
        contracts::encode_cursor({last["cursor_rank"].as<int>(),
                                  last["cursor_queued_at"].as<std::string>(),
                                  last["cursor_seq"].as<int64_t>()});
  }
  return out;
}

} // namespace

checked run(pqxx::work& w, const store_options& o, const status_command& c) {
  auto counts = count_items(w);
  auto reply = to_json(read_flags(w));
  auto pages = nlohmann::json::object();
  for (auto list : contracts::all_status_lists) {
    auto found = c.page.after.find(list);
    auto page = read_page(
        w, list, found == c.page.after.end() ? nullptr : &found->second,
        c.page.limit);
    auto total = counts.count(contracts::item_status_of(list))
                     ? counts.at(contracts::item_status_of(list))
                     : 0;
    reply[contracts::reply_key(list)] = std::move(page.items);
    pages[contracts::reply_key(list)] = {
        {"total", total},
        {"limit", c.page.limit},
        {"next_cursor", page.next_cursor.empty()
                            ? nlohmann::json(nullptr)
                            : nlohmann::json(page.next_cursor)}};
  }
  reply["pages"] = std::move(pages);
  reply["counts"] = counts;
  if (o.storage)
    add_storage_status(reply, o.storage->view());
  checked out;
  out.out.reply = std::move(reply);
  return out;
}

} // namespace kumo::queue::detail
