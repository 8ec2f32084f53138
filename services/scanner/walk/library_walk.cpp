#include "walk/library_walk.hpp"

#include "walk/walker.hpp"

#include <dirent.h>
#include <exception>
#include <fcntl.h>
#include <thread>

namespace kumo::scanner::detail {
namespace {

/// `parent` + `sep` + `name` + `tail`, built in one buffer.
std::string joined(const std::string& parent, const char* sep,
                   const std::string& name, const char* tail = "") {
  std::string out = parent;
  out += sep;
  out += name;
  out += tail;
  return out;
}

} // namespace

void walker::walk_series(int root_fd, const std::string& folder) {
  series_acc acc;
  enter(root_fd, folder, folder, "", 1, acc);
  if (stop_)
    return;
  std::shared_ptr<const walked_series> series;
  if (acc.all_reused && prev_) {
    auto it = prev_->series.find(folder);
    if (it != prev_->series.end())
      series = it->second;
  }
  if (!series)
    series = assemble(folder, acc);
  out_.state.series.emplace(folder, series);
  out_.series.push_back(std::move(series));
}

void walker::enter(int parent_fd, const std::string& name,
                   const std::string& key, const std::string& rel, int depth,
                   series_acc& acc) {
  if (depth > opt_.max_depth) {
    ++out_.stats.too_deep;
    acc.complete = acc.all_reused = false;
    return;
  }
  struct stat st {};
  if (int rc = env_.stat_at(parent_fd, name.c_str(), &st); rc < 0)
    return count_error(-rc, acc);
  if (!S_ISDIR(st.st_mode)) {
    acc.all_reused = false;
    S_ISLNK(st.st_mode) ? ++out_.stats.symlinks : ++out_.stats.skipped;
    return;
  }
  auto before = previous(key);
  if (before && unchanged(*before, st) &&
      reuse_unopened(parent_fd, name, key, rel, depth, before, acc))
    return;
  int fd = env_.open_dir(parent_fd, name.c_str());
  if (fd < 0)
    return count_error(-fd, acc);
  visit(fd, key, rel, st, depth, acc);
  env_.close_dir(fd);
}

std::shared_ptr<const dir_record> walker::visit(int fd, const std::string& key,
                                                const std::string& rel,
                                                const struct stat& st,
                                                int depth, series_acc& acc) {
  if (cancel_now())
    return nullptr;
  auto record = previous(key);
  if (record && unchanged(*record, st)) {
    reuse(key, rel, record, acc);
  } else {
    acc.all_reused = false;
    record = read(fd, rel, st, depth, acc);
    if (!record)
      return nullptr;
    shared_.files_done.fetch_add(record->found, std::memory_order_relaxed);
    out_.state.dirs.emplace(key, record);
    report();
  }
  if (depth == 0)
    return record; // the root: its subdirectories are series
  for (const auto& sub : record->subdirs) {
    if (stop_)
      break;
    enter(fd, sub, joined(key, "/", sub), joined(rel, "", sub, "/"), depth + 1,
          acc);
  }
  return record;
}

bool walker::reuse_unopened(int parent_fd, const std::string& name,
                            const std::string& key, const std::string& rel,
                            int depth,
                            const std::shared_ptr<const dir_record>& before,
                            series_acc& acc) {
  if (!before->subdirs.empty() && depth + 1 > opt_.max_depth)
    return false;
  std::vector<std::pair<std::string, std::shared_ptr<const dir_record>>> subs;
  subs.reserve(before->subdirs.size());
  std::string path = name + '/'; // "name/sub", relative to parent_fd
  for (const auto& sub : before->subdirs) {
    auto sub_key = joined(key, "/", sub);
    auto r = previous(sub_key);
    if (!r || !r->subdirs.empty())
      return false;
    path.resize(name.size() + 1);
    path += sub;
    struct stat st {};
    if (env_.stat_at(parent_fd, path.c_str(), &st) < 0 ||
        !S_ISDIR(st.st_mode) || !unchanged(*r, st))
      return false;
    subs.emplace_back(std::move(sub_key), std::move(r));
  }
  if (cancel_now())
    return true;
  reuse(key, rel, before, acc);
  for (std::size_t i = 0; i < subs.size(); ++i)
    reuse(std::move(subs[i].first), joined(rel, "", before->subdirs[i], "/"),
          std::move(subs[i].second), acc);
  return true;
}

void walker::take_reused(const std::string& folder, series_acc& acc,
                         walked_series& s) {
  auto it = prev_->series.find(folder);
  if (it == prev_->series.end())
    return;
  std::sort(acc.reused.begin(), acc.reused.end());
  auto reused = [&](const std::string& path) {
    auto dir = path.substr(0, path.rfind('/') + 1);
    return std::binary_search(acc.reused.begin(), acc.reused.end(), dir);
  };
  for (const auto& e : it->second->episodes)
    if (reused(e.path))
      s.episodes.push_back(e);
  for (const auto& u : it->second->unparsed)
    if (reused(u))
      s.unparsed.push_back(u);
}

std::shared_ptr<const walked_series> walker::assemble(const std::string& folder,
                                                      series_acc& acc) {
  auto s = std::make_shared<walked_series>();
  s->folder = folder;
  split_series_folder(folder, s->name, s->year);
  s->complete = acc.complete;
  s->episodes = std::move(acc.episodes);
  s->unparsed = std::move(acc.unparsed);
  if (!acc.reused.empty())
    take_reused(folder, acc, *s);
  std::sort(s->episodes.begin(), s->episodes.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  std::sort(s->unparsed.begin(), s->unparsed.end());
  return s;
}

std::shared_ptr<const dir_record> walker::read(int fd, const std::string& rel,
                                               const struct stat& st, int depth,
                                               series_acc& acc) {
  auto r = std::make_shared<dir_record>();
  r->dev = std::uint64_t(st.st_dev);
  r->ino = std::uint64_t(st.st_ino);
  r->mtime_ns = mtime_of(st);
  r->nlink = std::uint64_t(st.st_nlink);
  r->trusted = r->mtime_ns + opt_.racy_margin_ns < start_ns_;
  int rc = env_.list_dir(fd, [&](const char* name, unsigned char type) {
    ++r->entries;
    add_entry(fd, name, type, rel, depth, *r, acc);
  });
  if (rc < 0) {
    count_error(-rc, acc);
    return nullptr;
  }
  ++out_.stats.dirs;
  out_.stats.skipped += r->skipped;
  out_.stats.symlinks += r->symlinks;
  std::sort(r->subdirs.begin(), r->subdirs.end());
  return r;
}

void walker::add_entry(int fd, const char* name, unsigned char type,
                       const std::string& rel, int depth, dir_record& r,
                       series_acc& acc) {
  std::string_view view(name);
  // Hidden entries and special files are both skipped but tested apart: a
  // special file that is too long or a symlink counts as such first.
  // NOLINTNEXTLINE(bugprone-branch-clone): the order of the tests matters
  if (view[0] == '.') {
    ++r.skipped; // hidden
  } else if (view.size() > opt_.max_name_bytes ||
             rel.size() + view.size() >= opt_.max_path_bytes) {
    ++out_.stats.too_long;
  } else if (type == DT_LNK) {
    ++r.symlinks;
  } else if (type == DT_DIR) {
    if (depth > 0 && is_extras_folder(view))
      ++r.skipped;
    else
      r.subdirs.emplace_back(view);
  } else if (type != DT_REG && type != DT_UNKNOWN) {
    ++r.skipped; // fifo, socket, device
  } else {
    add_file(fd, name, rel, depth, r, acc);
  }
}

void walker::add_file(int fd, const char* name, const std::string& rel,
                      int depth, dir_record& r, series_acc& acc) {
  std::string_view view(name);
  if (!is_video_name(view) || is_partial_name(view) || is_sample_name(view)) {
    ++r.skipped;
    return;
  }
  struct stat st {};
  if (int rc = env_.stat_at(fd, name, &st); rc < 0) {
    // Not kept in the record: the next walk reads this directory again.
    count_error(-rc, acc);
    r.trusted = false;
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    ++r.symlinks;
  } else if (S_ISDIR(st.st_mode)) {
    r.subdirs.emplace_back(view); // DT_UNKNOWN file system
  } else if (!S_ISREG(st.st_mode) || depth == 0) {
    ++r.skipped; // files directly under the root belong to no series
  } else {
    ++out_.stats.files;
    ++r.found;
    std::string path = rel + name;
    auto parsed = parse_episode_name(path);
    if (parsed.episodes.empty() && parsed.absolute.empty() &&
        parsed.date.empty())
      acc.unparsed.push_back(std::move(path));
    else
      acc.episodes.push_back(
          to_episode(std::move(parsed), std::move(path), st));
  }
}

} // namespace kumo::scanner::detail

namespace kumo::scanner {

namespace {

void add_stats(walk_stats& to, const walk_stats& from) {
  to.dirs += from.dirs;
  to.dirs_reused += from.dirs_reused;
  to.files += from.files;
  to.skipped += from.skipped;
  to.symlinks += from.symlinks;
  to.denied += from.denied;
  to.vanished += from.vanished;
  to.too_deep += from.too_deep;
  to.too_long += from.too_long;
  to.errors += from.errors;
}

/// Walks `folders` with `main` on this thread and a second walker on
/// another, then merges the second one's result into `out`. Returns true
/// when the second walker stopped (cancelled). Rethrows what either threw.
bool walk_two(int root_fd, const std::vector<std::string>& folders,
              const walk_options& options, walk_env& env,
              const walk_state* previous, detail::walk_shared& shared,
              detail::walker& main, walk_result& out) {
  walk_options quiet = options; // callbacks stay on the calling thread
  quiet.cancelled = nullptr;
  quiet.progress = nullptr;
  walk_result part;
  bool stopped = false;
  std::exception_ptr failed;
  std::thread helper([&] {
    try {
      detail::walker w(quiet, env, previous, part, shared);
      w.walk_share(root_fd, folders);
      stopped = w.stopped();
    } catch (...) {
      failed = std::current_exception();
      shared.stop.store(true);
    }
  });
  try {
    main.walk_share(root_fd, folders);
  } catch (...) {
    shared.stop.store(true);
    helper.join();
    throw;
  }
  helper.join();
  if (failed)
    std::rethrow_exception(failed);
  add_stats(out.stats, part.stats);
  out.state.dirs.merge(part.state.dirs);
  out.state.series.merge(part.state.series);
  for (auto& s : part.series)
    out.series.push_back(std::move(s));
  return stopped;
}

} // namespace

walk_result walk_library(const std::string& root, const walk_options& options,
                         const walk_state* previous) {
  walk_env kernel;
  walk_env& env = options.env ? *options.env : kernel;
  walk_result out;
  int fd = env.open_dir(AT_FDCWD, root.c_str());
  if (fd < 0) {
    out.root_errno = -fd;
    return out;
  }
  out.ok = true;
  detail::walk_shared shared;
  detail::walker w(options, env, previous, out, shared);
  bool stopped = false;
  if (auto root = w.read_root(fd)) {
    if (options.threads == 2 && root->subdirs.size() > 1)
      stopped =
          walk_two(fd, root->subdirs, options, env, previous, shared, w, out);
    else
      w.walk_share(fd, root->subdirs);
  }
  env.close_dir(fd);
  if (stopped || w.stopped()) {
    out.cancelled = true;
    out.state = {};
  }
  std::sort(out.series.begin(), out.series.end(),
            [](const auto& a, const auto& b) { return a->folder < b->folder; });
  return out;
}

} // namespace kumo::scanner
