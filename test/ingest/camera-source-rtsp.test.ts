import { afterEach, describe, expect, it } from 'vitest';
import { CameraSource } from '../../edge/ingest/camera-source.ts';
import type { RestartInfo } from '../../foundation/media/supervised-process.ts';
import { Children, collect, ffmpegChildren, freePort, waitFor } from './helpers.ts';
import { startRtspServer } from './rtsp-server.ts';

const children = new Children();
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

/** A server on a free port and a camera reading it over TCP, its restarts and frames collected. */
async function watchedCamera() {
  const port = await freePort();
  const server = await startRtspServer(children, port);
  const camera = rtspCamera(port);
  const restarts: RestartInfo[] = [];
  camera.on('restart', (info) => restarts.push(info));
  return { port, server, camera, restarts, run: collect(camera) };
}

describe('CameraSource on RTSP', () => {
  it('survives the server going away and comes back by itself (TCP, the default)', async () => {
    const { port, server, camera, restarts, run } = await watchedCamera();

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
    await startRtspServer(children, port);
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
    await startRtspServer(children, port);
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
    const { server, camera, restarts, run } = await watchedCamera();
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
