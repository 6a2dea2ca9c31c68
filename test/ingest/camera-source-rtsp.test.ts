import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraSource } from '../../edge/ingest/camera-source.ts';
import type { RestartInfo } from '../../foundation/media/supervised-process.ts';
import { Children, collect, ffmpegChildren, freePort, VTEST, waitFor } from './helpers.ts';

/**
 * Against a real RTSP server on loopback: GStreamer's gst-rtsp-server (test/ingest/rtsp-test-server.py),
 * which serves the fixture in real time over RTP/TCP-interleaved or RTP/UDP. On Debian/Ubuntu:
 */
const INSTALL =
  'apt-get install -y --no-install-recommends python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good';
const SERVER = fileURLToPath(new URL('./rtsp-test-server.py', import.meta.url));

/** A python3 that has GStreamer's RTSP server bindings: $RTSP_TEST_PYTHON, the system's, or PATH's. */
function findPython(): string {
  const candidates = [process.env.RTSP_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (c): c is string => !!c && (!c.startsWith('/') || existsSync(c)),
  );
  const failures: string[] = [];
  for (const python of candidates) {
    try {
      execFileSync(python, [SERVER, '--check'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      return python;
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      failures.push(`${python}: ${stderr.split('\n').at(-1) || (error as Error).message}`);
    }
  }
  throw new Error(
    `The RTSP tests need GStreamer's RTSP server for python3, which is not installed (${failures.join('; ')}). Install it with: ${INSTALL}`,
  );
}

const children = new Children();
let python: string | Error | undefined;

/** Each test fails (never skips) with the install command when the server cannot run. */
function serverPython(): string {
  if (python === undefined) {
    try {
      python = findPython();
    } catch (error) {
      python = error as Error;
    }
  }
  if (python instanceof Error) throw python;
  return python;
}

async function startServer(port: number) {
  const child = children.spawn(serverPython(), [SERVER, String(port), VTEST]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited with ${code}: ${stderr}`));
    });
  });
  return child;
}

const cameras: CameraSource[] = [];

afterEach(async () => {
  await Promise.all(cameras.splice(0).map((c) => c.stop()));
  await children.killAll();
});

function rtspCamera(port: number, transport?: 'tcp' | 'udp'): CameraSource {
  const camera = new CameraSource({
    id: 'rtsp-cam',
    url: `rtsp://127.0.0.1:${port}/cam`,
    fps: 5,
    width: 416,
    height: 416,
    ...(transport ? { transport } : {}),
    // ffmpeg probes an RTSP stream for ~3 s before the first frame, then frames flow in real time.
    connectSeconds: 10,
    stallSeconds: 2,
    timeoutSeconds: 2,
    backoffInitialSeconds: 0.2,
    backoffMaxSeconds: 1,
    healthySeconds: 1,
  });
  cameras.push(camera);
  return camera;
}

describe('CameraSource on RTSP', () => {
  it('survives the server going away and comes back by itself (TCP, the default)', async () => {
    const port = await freePort();
    let server = await startServer(port);
    const camera = rtspCamera(port);
    const restarts: RestartInfo[] = [];
    camera.on('restart', (info) => restarts.push(info));
    const run = collect(camera);

    // The first frames come in a burst (what ffmpeg buffered while probing), then in real time.
    await waitFor('live frames', () => run.frames.length >= 25, 20_000);
    expect(camera.state).toBe('live');
    for (const frame of run.frames) {
      expect(frame.data.length).toBe(416 * 416 * 3);
      expect(frame.cameraId).toBe('rtsp-cam');
      expect(frame.time).toBeCloseTo(frame.index * 0.2, 9);
    }
    // Paced by the server in real time: 5 frames a second, so 10 frames span about 2 s.
    const a = run.frames[14];
    const b = run.frames[24];
    if (!a || !b) throw new Error('frames missing');
    expect((b.wallTime - a.wallTime) / 1000).toBeGreaterThan(1.5);
    expect((b.wallTime - a.wallTime) / 1000).toBeLessThan(2.5);

    // The server dies mid-stream.
    await children.kill(server);
    await waitFor(
      'the camera to notice',
      () => camera.state === 'stalled' || camera.state === 'backing_off',
      10_000,
    );
    await waitFor('reconnect attempts', () => camera.stats().reconnects >= 2, 10_000);
    const beforeRestart = camera.stats();
    expect(beforeRestart.lastError).toBeTruthy();
    expect(beforeRestart.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(['connecting', 'stalled', 'backing_off']).toContain(camera.state);
    expect(run.states).not.toContain('stopped');

    // The server comes back on the same port; the camera picks it up with no help.
    server = await startServer(port);
    await waitFor(
      'frames again',
      () => camera.stats().framesDecoded >= beforeRestart.framesDecoded + 10,
      20_000,
    );
    expect(camera.state).toBe('live');
    // Healthy for healthySeconds: the backoff starts from the beginning again.
    await waitFor('backoff reset', () => camera.stats().consecutiveFailures === 0, 5_000);

    const stats = camera.stats();
    expect(stats.reconnects).toBeGreaterThanOrEqual(2);
    expect(restarts.length).toBe(stats.reconnects);
    expect(restarts.every((r) => r.delaySeconds >= 0 && r.delaySeconds <= 1)).toBe(true);
    const states = run.states.join(' ');
    expect(states).toMatch(/live .*backing_off .*connecting .*live/);
    const indexes = run.frames.map((f) => f.index);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));

    await camera.stop();
    await run.done;
    expect(camera.state).toBe('stopped');
    expect(ffmpegChildren()).toEqual([]);
  });

  it('reads over UDP when asked', async () => {
    const port = await freePort();
    await startServer(port);
    const camera = rtspCamera(port, 'udp');
    const run = collect(camera);
    await waitFor('5 frames over UDP', () => run.frames.length >= 5, 20_000);
    expect(camera.state).toBe('live');
    expect(camera.stats().reconnects).toBe(0);
    await camera.stop();
    await run.done;
    expect(ffmpegChildren()).toEqual([]);
  });

  it('restarts a run that stalls while the server keeps the connection open', async () => {
    const port = await freePort();
    const server = await startServer(port);
    const camera = rtspCamera(port);
    const restarts: RestartInfo[] = [];
    camera.on('restart', (info) => restarts.push(info));
    const run = collect(camera);
    await waitFor('live frames', () => run.frames.length >= 3, 20_000);
    // Freeze the server: sockets stay open, nothing is sent. Only the timeouts can tell.
    server.kill('SIGSTOP');
    try {
      await waitFor('a restart', () => restarts.length >= 1, 10_000);
    } finally {
      server.kill('SIGCONT');
    }
    expect(restarts[0]?.reason).toMatch(/no frame for|timed out|ended|error/i);
    await waitFor('frames again', () => camera.state === 'live', 20_000);
  });
});
