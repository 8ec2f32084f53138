// The discard responder: deletes the partial file of a job cancelled while
// no worker ran it. One member of the queue group "downloader" answers each
// request; any worker can, since the library volume is shared.

#include "hls_job.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/job_trace.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"
#include "part_file.hpp"
#include "safe_path.hpp"
#include "worker.hpp"

#include <caf/all.hpp>

namespace kumo::downloader {

namespace {

std::string answer(bool ok, const std::string& reason = {}) {
  nlohmann::json out{{"ok", ok}};
  if (!reason.empty())
    out["reason"] = reason;
  return out.dump();
}

} // namespace

std::string handle_discard(const std::string& library_root,
                           const std::string& payload) {
  auto req = decode<wire::discard_request>(payload);
  if (!req)
    return answer(false, "invalid_argument: " + req.error().message);
  std::string error;
  if (auto why = check_relative_path(req->target_path); !why.empty())
    return answer(false, "invalid_argument: " + why);
  auto paths = resolve_target(library_root, req->target_path, false, &error);
  if (!paths) {
    if (error == "parent directory does not exist")
      return answer(true); // nothing was ever written there
    return answer(false, "invalid_argument: " + error);
  }
  bool skipped = false;
  if (!remove_part_of(*paths, req->id, &skipped, &error))
    return answer(false, "internal: " + error);
  if (skipped) {
    // The episode was queued again and a new job writes there now.
    log::info("partial file belongs to another job; kept",
              job_fields("discard_skipped", req->id, "",
                         {{"target_path", req->target_path}}));
    return answer(true, "belongs to another job");
  }
  // The media folder of an hls or yt-dlp source (segments, tool output)
  // and then the folders this job created go too, once empty (never the
  // root). Both stay inside the resolved target's folder.
  remove_media_workdir(*paths, req->id);
  remove_job_directories(library_root, *paths, req->id);
  log::info("partial file discarded",
            job_fields("discarded", req->id, "",
                       {{"target_path", req->target_path}}));
  return answer(true);
}

discard_actor spawn_discard(caf::actor_system& sys, const bus_actor& bus,
                            const std::string& library_root) {
  auto init = [bus, library_root](
                  discard_actor::pointer self) -> discard_actor::behavior_type {
    subscribe(self, bus, subjects::discard_partial, subjects::downloader_group);
    return {
        [=](const bus_message& msg) {
          // Discarded even when the sender expects no answer.
          auto answer = handle_discard(library_root, msg.payload);
          reply(self, bus, msg, std::move(answer));
        },
    };
  };
  // Deleting files blocks: keep it off the shared scheduler threads.
  return sys.spawn<caf::detached>(init);
}

} // namespace kumo::downloader
