#pragma once

// Downloads of sources of provider `ytdlp`: Debian's yt-dlp as a child
// process. yt-dlp opens its own connections: Kumo checks the URL's host
// against the address policy before it starts, but cannot hold yt-dlp to
// the policy afterwards (redirects, media URLs found in a page).

#include "hls_options.hpp"
#include "transfer.hpp"

namespace kumo::downloader {

/// The yt-dlp job: the URL must pass the address policy (every address its
/// host resolves to) before yt-dlp runs; yt-dlp writes into the media folder,
/// progress lines feed the observer, and the result becomes the `.part`.
transfer_result run_ytdlp_transfer(const transfer_spec& spec,
                                   const transfer_settings& settings,
                                   const media_settings& media,
                                   transfer_observer& observer);

} // namespace kumo::downloader
