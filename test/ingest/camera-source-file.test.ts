import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../edge/ingest/camera-source.ts';
import type { RestartInfo } from '../../foundation/media/supervised-process.ts';
import { collect, ffmpeg, ffmpegChildren, VTEST, waitFor } from './helpers.ts';

const SIZE = 416;
const FRAME_BYTES = SIZE * SIZE * 3;

let dir: string;
let clip3s: string;
const cameras: CameraSource[] = [];

function camera(
  options: Partial<ConstructorParameters<typeof CameraSource>[0]> & { url: string },
): CameraSource {
  const c = new CameraSource({ id: 'file-cam', width: SIZE, height: SIZE, fps: 5, ...options });
  cameras.push(c);
  return c;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camera-source-'));
  clip3s = join(dir, 'clip-3s.mp4');
  // Re-encoded (ffmpeg's own mpeg4 encoder) so the clip is exactly 3 s whatever the keyframes.
  await ffmpeg(['-i', VTEST, '-t', '3', '-an', '-c:v', 'mpeg4', '-q:v', '5', clip3s]);
});

afterEach(async () => {
  await Promise.all(cameras.splice(0).map((c) => c.stop()));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CameraSource on a file', () => {
  it('decodes the fixture at 5 fps scaled to 416x416, then stops at its end', async () => {
    const cam = camera({ url: VTEST });
    const run = collect(cam);
    await run.done;
    const { frames } = run;
    // 79.5 s at 5 fps.
    expect(frames.length).toBeGreaterThanOrEqual(395);
    expect(frames.length).toBeLessThanOrEqual(400);
    expect(cam.state).toBe('stopped');
    expect(run.states).toEqual(['connecting', 'live', 'stopped']);
    const stats = cam.stats();
    expect(stats).toMatchObject({
      id: 'file-cam',
      framesDecoded: frames.length,
      framesDropped: 0,
      reconnects: 0,
      lastError: null,
    });
    frames.forEach((frame, i) => {
      expect(frame.cameraId).toBe('file-cam');
      expect(frame.width).toBe(SIZE);
      expect(frame.height).toBe(SIZE);
      expect(frame.data.length).toBe(FRAME_BYTES);
      expect(frame.index).toBe(i);
      expect(frame.time).toBeCloseTo(i * 0.2, 9);
    });
    expect(stats.lastFrameTime).toBe(frames.at(-1)?.wallTime);
    // Real pictures, not blank buffers: frames a few seconds apart differ.
    const a = frames[0]?.data ?? new Uint8Array();
    const b = frames[50]?.data ?? new Uint8Array();
    let differing = 0;
    for (let i = 0; i < a.length; i += 97) if (a[i] !== b[i]) differing += 1;
    expect(differing).toBeGreaterThan(100);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('with loop keeps going past the end of a 3 s clip, in one ffmpeg run', async () => {
    const cam = camera({ url: clip3s, loop: true });
    const run = collect(cam);
    // 3 s of video is 15 frames; 60 frames is four times through the clip.
    await waitFor('60 frames of the looped clip', () => run.frames.length >= 60, 30_000);
    const last = run.frames.at(-1);
    expect(last?.time).toBeGreaterThanOrEqual(11.8);
    expect(cam.state).toBe('live');
    expect(cam.stats().reconnects).toBe(0);
    for (const [i, frame] of run.frames.entries()) expect(frame.time).toBeCloseTo(i * 0.2, 9);
    await cam.stop();
    await run.done;
    expect(cam.state).toBe('stopped');
  });

  it('keeps only the latest frame for a slow consumer and counts the others as dropped', async () => {
    const cam = camera({ url: clip3s });
    const run = collect(cam, 120); // a consumer needing 120 ms a frame; the file decodes much faster
    await run.done;
    const stats = cam.stats();
    expect(stats.framesDecoded).toBe(15);
    expect(stats.framesDropped).toBeGreaterThan(0);
    expect(run.frames.length + stats.framesDropped).toBe(stats.framesDecoded);
    // The consumer always gets the newest frame: the last one is never lost.
    expect(run.frames.at(-1)?.index).toBe(14);
    const indexes = run.frames.map((f) => f.index);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    for (const frame of run.frames) expect(frame.time).toBeCloseTo(frame.index * 0.2, 9);
  });

  it('stop() kills ffmpeg and ends the iterator', async () => {
    const cam = camera({ url: clip3s, loop: true, realtime: true });
    const run = collect(cam);
    await waitFor('a frame', () => run.frames.length >= 2, 10_000);
    expect(ffmpegChildren()).toHaveLength(1);
    await cam.stop();
    await run.done;
    expect(cam.state).toBe('stopped');
    expect(ffmpegChildren()).toEqual([]);
    const frames = run.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.frames.length).toBe(frames);
    await cam.stop(); // idempotent
  });

  it('restarts a failing source with exponential backoff, jitter from the injected random', async () => {
    const restarts: RestartInfo[] = [];
    const cam = camera({
      url: join(dir, 'missing.mp4'),
      backoffInitialSeconds: 0.05,
      backoffMaxSeconds: 0.2,
      random: () => 0.5,
    });
    const states = new Set<string>();
    cam.on('state', (state) => states.add(state));
    cam.on('restart', (info) => restarts.push(info));
    cam.start();
    await waitFor('5 restarts', () => restarts.length >= 5, 20_000);
    expect(restarts.slice(0, 5).map((r) => r.delaySeconds)).toEqual([0.025, 0.05, 0.1, 0.1, 0.1]);
    expect(restarts.slice(0, 5).map((r) => r.attempt)).toEqual([0, 1, 2, 3, 4]);
    expect(restarts[0]?.reason).toMatch(/No such file/);
    const stats = cam.stats();
    expect(stats.reconnects).toBeGreaterThanOrEqual(4);
    expect(stats.lastError).toMatch(/missing\.mp4.*No such file/s);
    expect(stats.framesDecoded).toBe(0);
    expect(states).toContain('backing_off');
    expect(states).toContain('connecting');
    await cam.stop();
    expect(cam.state).toBe('stopped');
    expect(ffmpegChildren()).toEqual([]);
  });

  it('passes -hwaccel to ffmpeg (auto: a hardware decoder where one works, else software)', async () => {
    const cam = camera({ url: clip3s, hwaccel: 'auto' });
    const run = collect(cam);
    await run.done;
    expect(run.frames).toHaveLength(15);
    expect(cam.stats()).toMatchObject({ reconnects: 0, lastError: null });
  });

  it('validates its options', () => {
    expect(() => new CameraSource({ id: 'x', url: VTEST, width: 0, height: 416 })).toThrow(/width/);
    expect(() => new CameraSource({ id: 'x', url: VTEST, width: 416, height: 416, fps: -1 })).toThrow(/fps/);
    expect(
      () => new CameraSource({ id: 'x', url: VTEST, width: 416, height: 416, stallSeconds: Number.NaN }),
    ).toThrow(/stallSeconds/);
  });
});
