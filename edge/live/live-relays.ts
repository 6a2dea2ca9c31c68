import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { isStreamUrl } from '../schema/source-schema.ts';

const require = createRequire(import.meta.url);

/** The part of node-rtsp-stream's VideoStream used here (the package ships no types). */
interface VideoStream {
  stop(): void;
  width: number | undefined;
  height: number | undefined;
  stream: { once(event: 'exit', listener: (code: number | null) => void): void };
  wsServer: { clients: Set<WebSocketClient>; broadcast(data: Buffer): void };
  onSocketConnect(socket: WebSocketClient): void;
}
interface WebSocketClient {
  readyState: number;
  send(data: Buffer, options?: { binary: boolean }): void;
}
type VideoStreamConstructor = new (options: {
  name: string;
  streamUrl: string;
  wsPort: number;
  ffmpegPath: string;
  ffmpegOptions: Record<string, string>;
}) => VideoStream;

/** What the local API needs of the live view: where a camera's websocket relay listens. */
export interface LiveView {
  /** Starts the camera's relay if it is not running; undefined for an unknown camera. */
  relay(cameraId: string): { port: number } | undefined;
}

interface Relay {
  port: number;
  stream: VideoStream | undefined;
}

/** A relay that ended is started again after this long (a file reaching its end, a camera drop). */
const RESTART_DELAY_MS = 2000;

/**
 * Live view relays: node-rtsp-stream runs ffmpeg to turn a camera's stream into MPEG-1 in MPEG-TS
 * and broadcasts it on a websocket, which JSMpeg plays in a browser. A relay starts when the
 * camera's live page is first opened, takes the port `basePort + the camera's index`, and runs
 * until the node stops. Files play at their own pace (ffmpeg's realtime filter) and loop.
 */
export class LiveRelays implements LiveView {
  readonly #config: Readonly<EdgeConfig>;
  readonly #log: Logger;
  readonly #relays = new Map<string, Relay>();
  #closed = false;

  constructor(config: Readonly<EdgeConfig>, log: Logger) {
    this.#config = config;
    this.#log = log;
  }

  relay(cameraId: string): { port: number } | undefined {
    const index = this.#config.cameras.findIndex((camera) => camera.id === cameraId);
    if (index < 0 || this.#closed) return undefined;
    let relay = this.#relays.get(cameraId);
    if (!relay) {
      relay = { port: this.#config.live.basePort + index, stream: undefined };
      this.#relays.set(cameraId, relay);
      this.#start(cameraId, relay);
    }
    return { port: relay.port };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const relay of this.#relays.values()) relay.stream?.stop();
    this.#relays.clear();
  }

  #start(cameraId: string, relay: Relay): void {
    const camera = this.#config.cameras.find((c) => c.id === cameraId);
    if (!camera || this.#closed) return;
    const VideoStreamClass = require('node-rtsp-stream') as VideoStreamConstructor;
    const url = camera.source.url;
    const isFile = !isStreamUrl(url);
    try {
      relay.stream = new VideoStreamClass({
        name: cameraId,
        streamUrl: url,
        wsPort: relay.port,
        ffmpegPath: ffmpegPath(),
        ffmpegOptions: {
          '-loglevel': 'error',
          '-nostats': '',
          '-an': '',
          '-b:v': '1000k',
          '-r': '25',
          // Inputs are opened before these options apply; for a file, the filter paces output instead of -re.
          ...(isFile ? { '-vf': 'realtime' } : {}),
        },
      });
    } catch (error) {
      this.#log.warn(
        { cameraId, port: relay.port },
        `live relay failed to start: ${(error as Error).message}`,
      );
      return;
    }
    quiet(relay.stream);
    this.#log.info({ cameraId, port: relay.port }, 'live relay started');
    relay.stream.stream.once('exit', (code) => {
      if (this.#closed) return;
      this.#log.warn({ cameraId, code }, 'live relay ended; restarting');
      relay.stream?.stop();
      relay.stream = undefined;
      setTimeout(() => this.#start(cameraId, relay), RESTART_DELAY_MS).unref();
    });
  }
}

const OPEN = 1;

/**
 * node-rtsp-stream reports connections with console.log, on the stdout that `edge run` keeps for
 * event lines; these replacements do the same work without printing.
 */
function quiet(stream: VideoStream): void {
  stream.onSocketConnect = (socket) => {
    // JSMpeg's stream header: "jsmp", then width and height as 16-bit big-endian.
    const header = Buffer.alloc(8);
    header.write('jsmp');
    header.writeUInt16BE(stream.width ?? 0, 4);
    header.writeUInt16BE(stream.height ?? 0, 6);
    socket.send(header, { binary: true });
  };
  stream.wsServer.broadcast = (data) => {
    for (const client of stream.wsServer.clients) if (client.readyState === OPEN) client.send(data);
  };
}
