import { createRequire } from 'node:module';
import path from 'node:path';

let jsmpegPlayer: string | undefined;

/** The browser build of the JSMpeg player the live page loads. */
export function jsmpegPlayerPath(): string {
  // The package exports only its module entries; the browser build lies beside them in dist/.
  const entry = createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player');
  jsmpegPlayer ??= path.join(path.dirname(entry), 'jsmpeg-player.umd.min.js');
  return jsmpegPlayer;
}

/** A page playing the camera's relay: the websocket is on the same host as the page, at `port`. */
export function livePage(title: string, port: number): string {
  const name = title.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${name} · live</title>
<style>body{margin:0;background:#111;color:#eee;font:14px sans-serif}h1{font-size:16px;margin:8px}
#video{width:min(100vw,1280px);aspect-ratio:4/3;margin:auto}</style></head>
<body><h1>${name} · live</h1><div id="video"></div>
<script src="/live/jsmpeg-player.js"></script>
<script>
  var url = 'ws://' + location.hostname + ':${port}/';
  window.liveView = new JSMpeg.VideoElement('#video', url, { autoplay: true, control: false, decodeFirstFrame: true });
</script></body></html>
`;
}
