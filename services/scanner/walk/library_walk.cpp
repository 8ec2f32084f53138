#include "walk/library_walk.hpp"

#include "parse/episode_name.hpp"
#include "walk/walk_rules.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace kumo::scanner {

/// One directory as the walk left it: its identity and timestamp, and what
/// it holds directly. Its episode files are not kept here but in the
/// series object of the walk that read it (see walker::assemble).
struct dir_record {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t nlink = 0;
  bool trusted = false;    ///< modified well before the walk that read it
  std::size_t entries = 0; ///< entries listed (all kinds)
  std::vector<std::string> subdirs;
  std::size_t found = 0; ///< episode and unparsed files directly in it
  std::uint64_t skipped = 0;
  std::uint64_t symlinks = 0;
};

namespace {

std::int64_t mtime_of(const struct stat& st) {
  return std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool unchanged(const dir_record& r, const struct stat& st) {
  return r.trusted && r.dev == std::uint64_t(st.st_dev) &&
         r.ino == std::uint64_t(st.st_ino) && r.mtime_ns == mtime_of(st) &&
         r.nlink == std::uint64_t(st.st_nlink);
}

walked_episode to_episode(const episode_name& p, std::string path,
                          const struct stat& st) {
  walked_episode e;
  e.path = std::move(path);
  e.season = p.season;
  e.episodes = p.episodes;
  e.absolute = p.absolute;
  e.special = p.special;
  e.air_date = p.date;
  e.size = std::uint64_t(st.st_size);
  e.mtime_ns = mtime_of(st);
  e.resolution = p.resolution;
  e.group = p.group;
  e.source = p.source;
  return e;
}

/// What the walk of one series folder's subtree gathered: the files of the
/// folders it read, and the folders it reused (their files are taken from
/// the previous walk's series object).
struct series_acc {
  std::vector<walked_episode> episodes;
  std::vector<std::string> unparsed;
  std::vector<std::string> reused; ///< paths from the series folder, "x/"
  bool all_reused = true;
  bool complete = true;
};

class walker {
public:
  walker(const walk_options& opt, walk_env& env, const walk_state* prev,
         walk_result& out)
      : opt_(opt), env_(env), prev_(prev), out_(out) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    start_ns_ = std::int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  }

  void walk_root(int root_fd) {
    struct stat st {};
    if (int rc = env_.stat_at(root_fd, ".", &st); rc < 0) {
      out_.ok = false;
      out_.root_errno = -rc;
      return;
    }
    series_acc ignored;
    auto root = visit(root_fd, "", "", st, 0, ignored);
    if (!root)
      return;
    for (const auto& folder : root->subdirs) {
      if (stop_)
        break;
      walk_series(root_fd, folder);
    }
  }

  bool stopped() const {
    return stop_;
  }

private:
  void count_error(int err, series_acc& acc) {
    acc.complete = false;
    acc.all_reused = false;
    if (err == EACCES || err == EPERM)
      ++out_.stats.denied;
    else if (err == ENOENT || err == ENOTDIR)
      ++out_.stats.vanished;
    else if (err == ELOOP)
      ++out_.stats.symlinks; // replaced by a symlink since it was listed
    else
      ++out_.stats.errors;
  }

  void walk_series(int root_fd, const std::string& folder) {
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

  std::shared_ptr<const walked_series> assemble(const std::string& folder,
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

  /// Copies the files of the reused folders from the previous series.
  void take_reused(const std::string& folder, series_acc& acc,
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

  /// Checks, opens (when needed) and visits the subdirectory `name` of
  /// `parent_fd`; `key` is its path from the root, `rel` its path from the
  /// series folder ("" for the series folder itself, else ending in '/').
  void enter(int parent_fd, const std::string& name, const std::string& key,
             const std::string& rel, int depth, series_acc& acc) {
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

  /// Reuses the unchanged folder `name` and its subfolders without opening
  /// it when every subfolder is an unchanged leaf (the usual series folder
  /// of season folders). The subfolders are checked with
  /// fstatat(parent_fd, "name/sub") against records made through
  /// descriptors: a path that no longer leads to the same folders only
  /// fails that comparison (then the folder is opened); nothing is read
  /// through it.
  bool reuse_unopened(int parent_fd, const std::string& name,
                      const std::string& key, const std::string& rel, int depth,
                      std::shared_ptr<const dir_record> before,
                      series_acc& acc) {
    if (!before->subdirs.empty() && depth + 1 > opt_.max_depth)
      return false;
    std::vector<std::shared_ptr<const dir_record>> subs;
    for (const auto& sub : before->subdirs) {
      auto r = previous(key + '/' + sub);
      struct stat st {};
      if (!r || !r->subdirs.empty() ||
          env_.stat_at(parent_fd, (name + '/' + sub).c_str(), &st) < 0 ||
          !S_ISDIR(st.st_mode) || !unchanged(*r, st))
        return false;
      subs.push_back(std::move(r));
    }
    if (opt_.cancelled && opt_.cancelled()) {
      stop_ = true;
      return true;
    }
    reuse(key, rel, before, acc);
    for (std::size_t i = 0; i < subs.size(); ++i) {
      const auto& sub = before->subdirs[i];
      reuse(key + '/' + sub, rel + sub + '/', std::move(subs[i]), acc);
    }
    return true;
  }

  std::shared_ptr<const dir_record> previous(const std::string& key) const {
    if (!prev_)
      return nullptr;
    auto it = prev_->dirs.find(key);
    return it == prev_->dirs.end() ? nullptr : it->second;
  }

  void reuse(const std::string& key, const std::string& rel,
             std::shared_ptr<const dir_record> r, series_acc& acc) {
    ++out_.stats.dirs_reused;
    out_.stats.skipped += r->skipped;
    out_.stats.symlinks += r->symlinks;
    found_ += r->found;
    acc.reused.push_back(rel);
    out_.state.dirs.emplace(key, std::move(r));
    report();
  }

  void report() {
    ++progress_.dirs_done;
    progress_.files_done = found_;
    if (opt_.progress)
      opt_.progress(progress_);
  }

  /// Visits the open directory `fd` (stat `st`): reuses or reads its
  /// entries, then enters its subdirectories. Returns its record, or
  /// nullptr when it could not be read or the walk was cancelled.
  std::shared_ptr<const dir_record> visit(int fd, const std::string& key,
                                          const std::string& rel,
                                          const struct stat& st, int depth,
                                          series_acc& acc) {
    if (opt_.cancelled && opt_.cancelled()) {
      stop_ = true;
      return nullptr;
    }
    auto record = previous(key);
    if (record && unchanged(*record, st)) {
      reuse(key, rel, record, acc);
    } else {
      acc.all_reused = false;
      record = read(fd, rel, st, depth, acc);
      if (!record)
        return nullptr;
      found_ += record->found;
      out_.state.dirs.emplace(key, record);
      report();
    }
    if (depth == 0)
      return record; // the root: its subdirectories are series
    for (const auto& sub : record->subdirs) {
      if (stop_)
        break;
      enter(fd, sub, key + '/' + sub, rel + sub + '/', depth + 1, acc);
    }
    return record;
  }

  std::shared_ptr<const dir_record> read(int fd, const std::string& rel,
                                         const struct stat& st, int depth,
                                         series_acc& acc);
  void add_file(int fd, const char* name, const std::string& rel, int depth,
                dir_record& r, series_acc& acc);
  void add_entry(int fd, const char* name, unsigned char type,
                 const std::string& rel, int depth, dir_record& r,
                 series_acc& acc);

  const walk_options& opt_;
  walk_env& env_;
  const walk_state* prev_;
  walk_result& out_;
  std::int64_t start_ns_ = 0;
  std::uint64_t found_ = 0;
  walk_progress progress_;
  bool stop_ = false;
};

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
      acc.episodes.push_back(to_episode(parsed, std::move(path), st));
  }
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
  walker w(options, env, previous, out);
  w.walk_root(fd);
  env.close_dir(fd);
  if (w.stopped()) {
    out.cancelled = true;
    out.state = {};
  }
  std::sort(out.series.begin(), out.series.end(),
            [](const auto& a, const auto& b) { return a->folder < b->folder; });
  return out;
}

} // namespace kumo::scanner
