"""HLS video-on-demand presentations made with ffmpeg, for the HLS and
yt-dlp tests and the HLS benchmark."""

import os
import subprocess


def make_vod(folder, seconds=20, size="320x240", segment_seconds=2,
             key_url=None, key_bytes=None):
    """Encodes a test picture + tone of `seconds` into `folder`/index.m3u8
    and its .ts segments (H.264 + AAC, `segment_seconds` each). With
    `key_url`, the segments are AES-128 encrypted with `key_bytes` (16
    bytes, written to `folder`/key.bin) and the playlist names `key_url`.
    Returns the playlist's path."""
    os.makedirs(folder, exist_ok=True)
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i",
           "testsrc=duration=%d:size=%s:rate=25" % (seconds, size),
           "-f", "lavfi", "-i", "sine=duration=%d" % seconds,
           "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
           "-c:a", "aac", "-b:a", "64k",
           "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
           "-hls_segment_filename", os.path.join(folder, "seg%04d.ts")]
    if key_url:
        key_path = os.path.join(folder, "key.bin")
        with open(key_path, "wb") as f:
            f.write(key_bytes)
        info = os.path.join(folder, "key.info")
        with open(info, "w") as f:
            f.write("%s\n%s\n" % (key_url, key_path))
        cmd += ["-hls_key_info_file", info]
    playlist = os.path.join(folder, "index.m3u8")
    subprocess.run(cmd + [playlist], check=True, timeout=600)
    return playlist


def write_master(path, variants):
    """A master playlist: `variants` = [(relative uri, bandwidth, "WxH")]."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for uri, bandwidth, resolution in variants:
        lines.append("#EXT-X-STREAM-INF:BANDWIDTH=%d,RESOLUTION=%s"
                     % (bandwidth, resolution))
        lines.append(uri)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def probe(path):
    """(duration in seconds, video width) of a media file, by ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "format=duration:stream=width", "-of", "default=nw=1", path],
        check=True, capture_output=True, text=True, timeout=60).stdout
    duration, width = None, None
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key == "duration":
            duration = float(value)
        elif key == "width" and value.isdigit() and width is None:
            width = int(value)
    return duration, width


def segments_of(playlist):
    """The segment URIs of a media playlist, in order."""
    with open(playlist) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]
