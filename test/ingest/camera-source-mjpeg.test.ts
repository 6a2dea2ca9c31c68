import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../edge/ingest/camera-source.ts';
import type { RestartInfo } from '../../foundation/media/supervised-process.ts';
import { collect, ffmpeg, ffmpegChildren, freePort, VTEST, waitFor } from './helpers.ts';

const SOURCE_FPS = 10;

/**
 * An HTTP MJPEG camera, as many IP cameras serve one: a never-ending multipart/x-mixed-replace
 * response, one JPEG per part, `SOURCE_FPS` parts a second, the JPEGs cut from the fixture by ffmpeg.
 */
class MjpegServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  connections = 0;

  constructor(
    private readonly jpegs: Buffer[],
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/video.mjpg`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.connections += 1;
      res.writeHead(200, {
        'Content-Type': 'multipart/x-mixed-replace; boundary=frame',
        'Cache-Control': 'no-cache',
        Connection: 'close',
      });
      let i = 0;
      const timer = setInterval(() => {
        const jpeg = this.jpegs[i++ % this.jpegs.length] as Buffer;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
        res.write(jpeg);
        res.write('\r\n');
      }, 1000 / SOURCE_FPS);
      this.timers.add(timer);
      req.socket.once('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Goes away abruptly: open connections are reset, the port stops listening. */
  async kill(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

let dir: string;
let jpegs: Buffer[];
const servers: MjpegServer[] = [];
const cameras: CameraSource[] = [];

async function startServer(): Promise<MjpegServer> {
  const server = new MjpegServer(jpegs, await freePort());
  servers.push(server);
  await server.start();
  return server;
}

function mjpegCamera(url: string, extra: Partial<ConstructorParameters<typeof CameraSource>[0]> = {}) {
  const camera = new CameraSource({
    id: 'mjpeg-cam',
    url,
    fps: 5,
    width: 416,
    height: 416,
    stallSeconds: 2,
    connectSeconds: 5,
    backoffInitialSeconds: 0.2,
    backoffMaxSeconds: 0.5,
    ...extra,
  });
  cameras.push(camera);
  return camera;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mjpeg-'));
  await ffmpeg([
    '-i',
    VTEST,
    '-t',
    '3',
    '-vf',
    `fps=${SOURCE_FPS},scale=320:240`,
    '-q:v',
    '5',
    join(dir, 'f%03d.jpg'),
  ]);
  jpegs = readdirSync(dir)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
});

afterEach(async () => {
  await Promise.all(cameras.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CameraSource on HTTP MJPEG', () => {
  it('has JPEGs to serve', () => {
    expect(jpegs.length).toBe(30);
    expect(jpegs[0]?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('decodes a multipart MJPEG stream at the analysis rate, in real time', async () => {
    const server = await startServer();
    const camera = mjpegCamera(server.url);
    const run = collect(camera);
    await waitFor('frames', () => run.frames.length >= 3, 10_000);
    const start = run.frames.length;
    const t0 = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rate = (run.frames.length - start) / ((Date.now() - t0) / 1000);
    // 10 JPEGs a second in, 5 frames a second out (arrival-time stamps drive the decimation).
    expect(rate).toBeGreaterThan(3.5);
    expect(rate).toBeLessThan(6.5);
    expect(camera.state).toBe('live');
    for (const frame of run.frames) {
      expect(frame.data.length).toBe(416 * 416 * 3);
      expect(frame.time).toBeCloseTo(frame.index * 0.2, 9);
    }
    expect(camera.stats()).toMatchObject({ reconnects: 0, framesDropped: 0, lastError: null });
  });

  it('reconnects when the HTTP camera goes away and comes back', async () => {
    const server = await startServer();
    const camera = mjpegCamera(server.url);
    const restarts: RestartInfo[] = [];
    camera.on('restart', (info) => restarts.push(info));
    const run = collect(camera);
    await waitFor('frames', () => run.frames.length >= 5, 10_000);
    await server.kill();
    await waitFor('reconnect attempts', () => camera.stats().reconnects >= 2, 10_000);
    expect(['connecting', 'stalled', 'backing_off']).toContain(camera.state);
    const decoded = camera.stats().framesDecoded;
    await server.start();
    await waitFor('frames again', () => camera.stats().framesDecoded >= decoded + 5, 15_000);
    expect(camera.state).toBe('live');
    expect(server.connections).toBeGreaterThanOrEqual(2);
    expect(restarts.length).toBe(camera.stats().reconnects);
    await camera.stop();
    await run.done;
    expect(ffmpegChildren()).toEqual([]);
  });

  it('restarts when the delivered rate is far below the configured one', async () => {
    const server = await startServer();
    // Without arrival-time stamps ffmpeg takes MJPEG for 25 fps: 10 real JPEGs a second come out
    // as 2 frames a second at fps 5, 40 % of the configured rate, under the 50 % asked for here.
    const camera = mjpegCamera(server.url, {
      wallclockTimestamps: false,
      minRateRatio: 0.5,
      rateWindowSeconds: 2,
      stallSeconds: 5,
    });
    const restarts: RestartInfo[] = [];
    camera.on('restart', (info) => restarts.push(info));
    camera.start();
    await waitFor('a restart for the low rate', () => restarts.length >= 1, 15_000);
    expect(restarts[0]?.reason).toMatch(/^frame rate \d\.\d\d\/s over .* below 2\.50\/s \(50 % of 5 fps\)$/);
    expect(camera.stats().lastError).toBe(restarts[0]?.reason);
    expect(camera.stats().framesDecoded).toBeGreaterThan(0);
  });
});
