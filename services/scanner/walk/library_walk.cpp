#include "walk/library_walk.hpp"

#include "walk/walker.hpp"

#include <dirent.h>
#include <exception>
#include <fcntl.h>
#include <thread>

namespace kumo::scanner::detail {

record_ptr walker::walk_series(int root_fd, const std::string& folder,
                               const record_ptr& before) {
  series_acc acc;
  auto record = enter(root_fd, folder, before, "", 1, acc);
  if (stop_)
    return nullptr;
  auto before_series = before ? before->series : nullptr;
  auto series = acc.all_reused && before_series
                    ? before_series
                    : assemble(folder, acc, before_series);
  if (opt_.series_done)
    opt_.series_done(series);
  out_.series.push_back(series);
  ++out_.state.series;
  if (!record || (record == before && series == before_series))
    return record;
  // A record that is not the previous one was made by this walk and is not
  // shared yet: it takes its series in place.
  auto own = record == before ? std::make_shared<dir_record>(*record)
                              : std::const_pointer_cast<dir_record>(record);
  own->series = std::move(series);
  return own;
}

record_ptr walker::enter(int parent_fd, const std::string& name,
                         const record_ptr& before, const std::string& rel,
                         int depth, series_acc& acc) {
  if (depth > opt_.max_depth) {
    ++out_.stats.too_deep;
    acc.complete = acc.all_reused = false;
    return nullptr;
  }
  struct stat st {};
  int fd = before ? open_known(parent_fd, name, before, rel, depth, st, acc)
                  : open_new(parent_fd, name, st, acc);
  if (fd < 0)
    return fd == reused_fd ? before : nullptr;
  auto record = visit(fd, rel, st, depth, before, acc);
  env_.close_dir(fd);
  return record;
}

int walker::open_new(int parent_fd, const std::string& name, struct stat& st,
                     series_acc& acc) {
  int fd = env_.open_dir(parent_fd, name.c_str());
  if (fd == -ELOOP || fd == -ENOTDIR) { // a symlink or a file since listed
    acc.all_reused = false;
    fd == -ELOOP ? ++out_.stats.symlinks : ++out_.stats.skipped;
    return -1;
  }
  if (fd < 0) {
    count_error(-fd, acc);
    return -1;
  }
  if (int rc = env_.stat_at(fd, ".", &st); rc < 0) {
    env_.close_dir(fd);
    count_error(-rc, acc);
    return -1;
  }
  return fd;
}

int walker::open_known(int parent_fd, const std::string& name,
                       const record_ptr& before, const std::string& rel,
                       int depth, struct stat& st, series_acc& acc) {
  if (int rc = env_.stat_at(parent_fd, name.c_str(), &st); rc < 0) {
    count_error(-rc, acc);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    acc.all_reused = false;
    S_ISLNK(st.st_mode) ? ++out_.stats.symlinks : ++out_.stats.skipped;
    return -1;
  }
  if (unchanged(*before, st) &&
      reuse_unopened(parent_fd, name, rel, depth, before, acc))
    return reused_fd;
  int fd = env_.open_dir(parent_fd, name.c_str());
  if (fd < 0)
    count_error(-fd, acc);
  return fd < 0 ? -1 : fd;
}

record_ptr walker::visit(int fd, const std::string& rel, const struct stat& st,
                         int depth, const record_ptr& before, series_acc& acc) {
  if (cancel_now())
    return nullptr;
  record_ptr listing;
  if (before && unchanged(*before, st)) {
    reuse(rel, *before, acc);
    listing = before;
  } else {
    acc.all_reused = false;
    listing = read(fd, rel, st, depth, acc);
    if (!listing)
      return nullptr;
    shared_.files_done.fetch_add(listing->found, std::memory_order_relaxed);
    ++out_.state.dirs;
    report();
  }
  if (depth == 0)
    return listing; // the root: its subdirectories are series
  return with_children(fd, listing, before, rel, depth, acc);
}

record_ptr walker::with_children(int fd, const record_ptr& listing,
                                 const record_ptr& before,
                                 const std::string& rel, int depth,
                                 series_acc& acc) {
  std::vector<record_ptr> kids(listing->subdirs.size());
  bool same = listing == before;
  std::string sub_rel;
  for (std::size_t i = 0; i < kids.size() && !stop_; ++i) {
    const auto& sub = listing->subdirs[i];
    const auto& prev = previous_child(before, *listing, i);
    sub_rel.assign(rel).append(sub).push_back('/');
    kids[i] = enter(fd, sub, prev, sub_rel, depth + 1, acc);
    same = same && kids[i] == prev;
  }
  if (same)
    return before;
  auto own = listing == before ? std::make_shared<dir_record>(*listing)
                               : std::const_pointer_cast<dir_record>(listing);
  own->children = std::move(kids);
  return own;
}

bool walker::reuse_unopened(int parent_fd, const std::string& name,
                            const std::string& rel, int depth,
                            const record_ptr& before, series_acc& acc) {
  const auto& subs = before->subdirs;
  if (!subs.empty() && depth + 1 > opt_.max_depth)
    return false;
  if (before->children.size() != subs.size())
    return false;
  std::string path = name + '/'; // "name/sub", relative to parent_fd
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const auto& r = before->children[i];
    if (!r || !r->subdirs.empty())
      return false;
    path.resize(name.size() + 1);
    path += subs[i];
    struct stat st {};
    if (env_.stat_at(parent_fd, path.c_str(), &st) < 0 ||
        !S_ISDIR(st.st_mode) || !unchanged(*r, st))
      return false;
  }
  if (cancel_now())
    return true;
  reuse(rel, *before, acc);
  for (std::size_t i = 0; i < subs.size(); ++i)
    reuse(rel + subs[i] + '/', *before->children[i], acc);
  return true;
}

void walker::take_reused(const walked_series& before, series_acc& acc,
                         walked_series& s) {
  std::sort(acc.reused.begin(), acc.reused.end());
  auto reused = [&](const std::string& path) {
    auto dir = path.substr(0, path.rfind('/') + 1);
    return std::binary_search(acc.reused.begin(), acc.reused.end(), dir);
  };
  for (const auto& e : before.episodes)
    if (reused(e.path))
      s.episodes.push_back(e);
  for (const auto& u : before.unparsed)
    if (reused(u))
      s.unparsed.push_back(u);
}

std::shared_ptr<const walked_series>
walker::assemble(const std::string& folder, series_acc& acc,
                 const std::shared_ptr<const walked_series>& before) {
  auto s = std::make_shared<walked_series>();
  s->folder = folder;
  split_series_folder(folder, s->name, s->year);
  s->complete = acc.complete;
  s->episodes = std::move(acc.episodes);
  s->unparsed = std::move(acc.unparsed);
  if (!acc.reused.empty() && before)
    take_reused(*before, acc, *s);
  std::sort(s->episodes.begin(), s->episodes.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  std::sort(s->unparsed.begin(), s->unparsed.end());
  return s;
}

std::shared_ptr<dir_record> walker::read(int fd, const std::string& rel,
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

/// Walks the series folders of `root` with `main` on this thread and a
/// second walker on another (records into `kids`), then merges the second
/// one's result into `out`. Returns true when the second walker stopped
/// (cancelled). Rethrows what either threw.
bool walk_two(int root_fd, const dir_record& root,
              std::vector<detail::record_ptr>& kids,
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
      w.walk_share(root_fd, root, kids);
      stopped = w.stopped();
    } catch (...) {
      failed = std::current_exception();
      shared.stop.store(true);
    }
  });
  try {
    main.walk_share(root_fd, root, kids);
  } catch (...) {
    shared.stop.store(true);
    helper.join();
    throw;
  }
  helper.join();
  if (failed)
    std::rethrow_exception(failed);
  add_stats(out.stats, part.stats);
  out.state.dirs += part.state.dirs;
  out.state.series += part.state.series;
  for (auto& s : part.series)
    out.series.push_back(std::move(s));
  return stopped;
}

/// The root's record with its series folders' records `kids`: the previous
/// one when nothing changed.
detail::record_ptr root_record(const detail::record_ptr& listing,
                               std::vector<detail::record_ptr> kids,
                               const walk_state* previous) {
  const detail::record_ptr none;
  const auto& before = previous ? previous->root : none;
  if (listing == before && kids == before->children)
    return before;
  // A listing that is not the previous one was made by this walk.
  auto own = listing == before ? std::make_shared<dir_record>(*listing)
                               : std::const_pointer_cast<dir_record>(listing);
  own->children = std::move(kids);
  return own;
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
    std::vector<detail::record_ptr> kids(root->subdirs.size());
    if (options.threads == 2 && kids.size() > 1)
      stopped =
          walk_two(fd, *root, kids, options, env, previous, shared, w, out);
    else
      w.walk_share(fd, *root, kids);
    out.state.root = root_record(root, std::move(kids), previous);
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
