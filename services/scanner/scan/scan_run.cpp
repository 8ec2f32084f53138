#include "scan/scan_run.hpp"

#include "scan/series_feed.hpp"

#include <cstring>
#include <exception>
#include <thread>
#include <unordered_set>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

using clock = std::chrono::steady_clock;

struct counters {
  std::uint64_t folders = 0, files = 0, parsed = 0, unparsed = 0, added = 0,
                removed = 0, changed = 0, denied = 0, vanished = 0,
                series_added = 0;
  json to_json() const {
    return {{"folders", folders},   {"files", files},
            {"parsed", parsed},     {"unparsed", unparsed},
            {"added", added},       {"removed", removed},
            {"changed", changed},   {"denied", denied},
            {"vanished", vanished}, {"series_added", series_added}};
  }
};

/// One pending series of a write batch.
struct pending {
  std::int64_t id = 0;
  std::string memo;                            ///< key into scan_memory::synced
  std::shared_ptr<const walked_series> walked; ///< null: folder gone
};

class scan_pass {
public:
  scan_pass(scan_store& store, const scan_spec& spec, scan_memory& memory,
            const scan_hooks& hooks, json scan)
      : store_(store),
        spec_(spec),
        memory_(memory),
        hooks_(hooks),
        scan_(std::move(scan)),
        id_(scan_["id"].get<std::int64_t>()) {}

  json run() {
    std::string state = "complete";
    std::string error;
    try {
      if (spec_.roots.all().empty()) {
        state = "failed";
        error = "no library root configured (library_root)";
      }
      for (const auto& root : spec_.roots.all()) {
        if (!scan_root(root, error))
          state = "failed";
        if (stopped())
          break;
      }
      if (stopped())
        state = "cancelled";
    } catch (const std::exception& e) {
      state = "failed";
      error = e.what();
    }
    scan_ = store_.finish(id_, state, totals_.to_json(), error);
    hooks_.progress(state == "complete" ? "completed" : state, scan_);
    return scan_;
  }

private:
  bool stopped() {
    return cancelled_ || (hooks_.stop != nullptr && hooks_.stop->load());
  }

  /// Heartbeat + progress event, at most every progress_every.
  void tick(bool force) {
    auto now = clock::now();
    if (!force && now - last_tick_ < spec_.progress_every)
      return;
    last_tick_ = now;
    auto c = totals_.to_json();
    if (store_.heartbeat(id_, c))
      cancelled_ = true;
    for (auto& [k, v] : c.items())
      scan_[k] = v;
    hooks_.progress("in_progress", scan_);
  }

  /// Walks `root` and writes what the walk found (see walk_and_write);
  /// then writes what only the whole walk tells: the series whose folder
  /// is gone, and the unmatched folders.
  bool scan_root(const std::string& root, std::string& error) {
    auto catalog = store_.series_of(root, spec_.roots.main);
    auto base = totals_;
    auto walk = walk_and_write(root, catalog, base);
    if (!walk.ok) {
      error += (error.empty() ? "" : "; ") + std::string("cannot open ") +
               root + ": " + std::strerror(walk.root_errno);
      memory_.walks.erase(root);
      return false;
    }
    count_walk(base, walk);
    if (walk.cancelled)
      return true; // what the walk missed stays in the catalog as it is
    sync_rest(root, catalog, walk);
    if (!stopped())
      memory_.walks[root] = std::move(walk.state);
    return true;
  }

  /// Walks `root` on a thread of its own while this thread writes the
  /// series the walk has finished (catalog writes overlap the walk).
  /// Rethrows what either side threw, once the walk has stopped.
  walk_result
  walk_and_write(const std::string& root,
                 const std::unordered_map<std::string, series_row>& catalog,
                 const counters& base) {
    series_feed feed;
    walk_result walk;
    std::exception_ptr failed;
    std::thread walking([&] {
      try {
        walk = walk_root(root, feed);
      } catch (...) {
        failed = std::current_exception();
      }
      feed.close();
    });
    try {
      write_while_walking(root, catalog, base, feed);
    } catch (...) {
      cancelled_ = true; // the walk stops at its next folder
      walking.join();
      throw;
    }
    walking.join();
    if (failed)
      std::rethrow_exception(failed);
    return walk;
  }

  /// The walk of `root` (on the walking thread): series and progress go to
  /// `feed`. Touches neither the store nor the counters.
  walk_result walk_root(const std::string& root, series_feed& feed) {
    walk_options opts;
    opts.cancelled = [this] { return stopped(); };
    opts.progress = [&feed](const walk_progress& p) { feed.progress(p); };
    opts.series_done = [&feed](const series_feed::series_ptr& s) {
      feed.push(s);
    };
    auto prev = memory_.walks.find(root);
    return walk_library(root, opts,
                        prev == memory_.walks.end() ? nullptr : &prev->second);
  }

  /// Takes the walked series from `feed` until the walk ends: plans and
  /// writes those of the catalog in batches, reports progress.
  void write_while_walking(
      const std::string& root,
      const std::unordered_map<std::string, series_row>& catalog,
      const counters& base, series_feed& feed) {
    bool one = spec_.kind == "series";
    bool force = one || spec_.compare_all;
    for (bool open = true; open;) {
      for (const auto& s : feed.take(spec_.progress_every, open)) {
        auto it = catalog.find(s->folder);
        if (it != catalog.end() && (!one || it->second.key == spec_.key))
          queue(root, it->second.id, s, force);
        else if (it == catalog.end() && spec_.auto_add && !one &&
                 !s->episodes.empty())
          propose(root, s);
      }
      totals_.folders = base.folders + feed.dirs_done();
      totals_.files = base.files + feed.files_done();
      tick(false);
    }
    add_proposed(root);
  }

  /// Keeps `s` for the next add_proposed (one transaction per
  /// batch_series folders).
  void propose(const std::string& root,
               std::shared_ptr<const walked_series> s) {
    proposed_.push_back(std::move(s));
    if (proposed_.size() >= spec_.batch_series)
      add_proposed(root);
  }

  /// Makes series of the proposed folders and queues their files like
  /// those of any catalog series; a folder the store skipped stays
  /// unmatched.
  void add_proposed(const std::string& root) {
    if (proposed_.empty() || stopped())
      return;
    std::vector<new_folder> folders;
    std::unordered_map<std::string, std::shared_ptr<const walked_series>> by;
    for (auto& s : proposed_) {
      folders.push_back({s->folder, s->name, s->year});
      by[s->folder] = std::move(s);
    }
    proposed_.clear();
    for (auto& row : store_.add_series(root, spec_.roots.main, folders)) {
      ++totals_.series_added;
      queue(root, row.id, by[row.folder], true);
      added_[row.folder] = std::move(row);
    }
  }

  void count_walk(const counters& base, const walk_result& walk) {
    totals_.folders = base.folders + walk.stats.dirs + walk.stats.dirs_reused;
    totals_.files = base.files + walk.stats.files;
    totals_.denied += walk.stats.denied;
    totals_.vanished += walk.stats.vanished;
    for (const auto& s : walk.series) {
      totals_.parsed += s->episodes.size();
      totals_.unparsed += s->unparsed.size();
    }
  }

  /// After a complete walk: the catalog series whose folder is gone lose
  /// every file; the folders of no catalog series are unmatched.
  void sync_rest(const std::string& root,
                 const std::unordered_map<std::string, series_row>& catalog,
                 const walk_result& walk) {
    std::vector<unmatched_row> unmatched;
    std::unordered_set<std::string> walked_folders;
    bool one = spec_.kind == "series";
    for (const auto& s : walk.series) {
      walked_folders.insert(s->folder);
      if (catalog.count(s->folder) == 0 && added_.count(s->folder) == 0)
        unmatched.push_back(
            {s->folder, s->name, s->year,
             static_cast<int>(s->episodes.size() + s->unparsed.size())});
    }
    for (const auto& [folder, row] : catalog)
      if (walked_folders.count(folder) == 0 && (!one || row.key == spec_.key))
        queue(root, row.id, nullptr, true);
    flush();
    if (!one && !stopped())
      store_.replace_unmatched(root, unmatched);
  }

  void queue(const std::string& root, std::int64_t id,
             std::shared_ptr<const walked_series> walked, bool force) {
    if (stopped())
      return;
    std::string memo = root + "\n" + (walked ? walked->folder : "");
    auto known = memory_.synced.find(memo);
    if (!force && walked && known != memory_.synced.end() &&
        known->second.first == id && known->second.second == walked)
      return; // unchanged since it was written
    batch_files_ += walked ? walked->episodes.size() : 0;
    batch_.push_back({id, walked ? memo : std::string(), std::move(walked)});
    if (batch_.size() >= spec_.batch_series ||
        batch_files_ >= spec_.batch_files)
      flush();
  }

  void flush() {
    if (batch_.empty() || stopped())
      return;
    std::vector<std::int64_t> ids;
    for (const auto& p : batch_)
      ids.push_back(p.id);
    auto files = store_.files_of(ids);
    std::vector<std::pair<std::int64_t, series_plan>> plans;
    for (const auto& p : batch_) {
      auto plan = plan_series(p.walked.get(), files[p.id]);
      totals_.added += static_cast<std::uint64_t>(plan.added);
      totals_.changed += static_cast<std::uint64_t>(plan.changed);
      totals_.removed += plan.removals.size();
      if (!plan.empty())
        plans.emplace_back(p.id, std::move(plan));
    }
    if (!plans.empty())
      store_.apply(plans);
    for (const auto& p : batch_)
      if (p.walked)
        memory_.synced[p.memo] = {p.id, p.walked};
    batch_.clear();
    batch_files_ = 0;
    tick(false);
  }

  scan_store& store_;
  const scan_spec& spec_;
  scan_memory& memory_;
  const scan_hooks& hooks_;
  json scan_;
  std::int64_t id_;
  counters totals_;
  std::atomic<bool> cancelled_{false}; ///< read by the walking thread too
  clock::time_point last_tick_ = clock::now();
  std::vector<pending> batch_;
  std::size_t batch_files_ = 0;
  std::vector<std::shared_ptr<const walked_series>> proposed_;
  std::unordered_map<std::string, series_row> added_; ///< by folder
};

} // namespace

json run_scan(scan_store& store, const scan_spec& spec, scan_memory& memory,
              const scan_hooks& hooks) {
  if (spec.kind == "series" && !store.series_by_key(spec.key)) {
    hooks.started("not_found", nullptr);
    return nullptr;
  }
  if (!store.try_lock(spec.roots.all())) {
    hooks.started("busy", store.running_scan());
    return nullptr;
  }
  auto scan = store.begin(spec.kind, spec.key, spec.owner);
  hooks.started("started", scan);
  hooks.progress("started", scan);
  return scan_pass(store, spec, memory, hooks, std::move(scan)).run();
}

} // namespace kumo::scanner
