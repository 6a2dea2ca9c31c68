#!/usr/bin/python3
"""A real RTSP server (GStreamer's gst-rtsp-server) for the ingest tests.

Serves an H.264 MP4 file at rtsp://127.0.0.1:PORT/cam, paced in real time, over RTP/UDP or
RTP/TCP-interleaved as the client asks. Each client session starts the file from its beginning.

Usage: rtsp-test-server.py PORT FILE.mp4   prints "READY" on stdout once it listens
       rtsp-test-server.py --check            exits 0 when everything it needs is installed
Needs (Debian): python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good.
"""

import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


ELEMENTS = ("filesrc", "qtdemux", "rtph264pay")


def main() -> None:
    Gst.init(None)
    missing = [name for name in ELEMENTS if Gst.ElementFactory.find(name) is None]
    if missing:
        print(f"missing GStreamer elements: {', '.join(missing)}", file=sys.stderr, flush=True)
        sys.exit(2)
    if sys.argv[1:] == ["--check"]:
        print(f"ok: {Gst.version_string()}", flush=True)
        return
    port, path = sys.argv[1], sys.argv[2]
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    location = path.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! rtph264pay name=pay0 pt=96 config-interval=1 )'
    )
    factory.set_shared(False)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        sys.exit(1)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("READY", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
