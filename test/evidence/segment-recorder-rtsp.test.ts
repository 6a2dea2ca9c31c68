import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipCutter } from '../../edge/evidence/clip-cutter.ts';
import { ClipError } from '../../edge/evidence/clip-errors.ts';
import type { RecordedSegment } from '../../edge/evidence/segment-list.ts';
import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';
import { Children, freePort, VTEST, waitFor } from '../ingest/helpers.ts';
import { startRtspServer } from '../ingest/rtsp-server.ts';
import { ffmpegWritingTo, greyFrame, meanAbsDiff, probeClip } from './clip-test-helpers.ts';

/** Recording a real RTSP camera: the ingest tests' GStreamer server serves the fixture in real time. */
const children = new Children();
let dir: string;
const recorders: SegmentRecorder[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'segment-recorder-rtsp-'));
});

afterAll(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
  await children.killAll();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('SegmentRecorder on an RTSP camera', () => {
  it('records the stream as sent and cuts a clip whose first frame is the source frame of that moment', async () => {
    const port = await freePort();
    await startRtspServer(children, port);
    const t0 = Date.now();
    const recorder = new SegmentRecorder({
      cameraId: 'rtsp-cam',
      source: { url: `rtsp://127.0.0.1:${port}/cam`, transport: 'tcp' },
      dir: join(dir, 'live'),
    }).start();
    recorders.push(recorder);
    await waitFor('7 s recorded', () => (recorder.stats().lastSegmentEndMs ?? 0) >= t0 + 7000, 20_000);

    const [first] = recorder.segments() as [RecordedSegment];
    // The server starts the file when the session plays: the recording begins with its first
    // frames, dated within connecting and probing time of the start.
    expect(first.startMs - t0).toBeGreaterThanOrEqual(0);
    expect(first.startMs - t0).toBeLessThan(2000);

    const clip = await new ClipCutter(recorder).cut({
      from: new Date(first.startMs + 2500),
      to: new Date(first.startMs + 5000),
      outFile: join(dir, 'rtsp-clip.mp4'),
    });
    const probed = await probeClip(clip.file);
    expect(probed).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(probed.durationSeconds).toBeGreaterThanOrEqual(2.5);
    // The clip starts at a keyframe: one of the fixture's, every 2 s. Which one follows from how far
    // into the recording the clip starts.
    const sourceSecond = (clip.start.getTime() - first.startMs) / 1000;
    const keyframe = Math.round(sourceSecond / 2) * 2;
    const diff = meanAbsDiff(await greyFrame(clip.file, 0), await greyFrame(VTEST, keyframe));
    const other = meanAbsDiff(await greyFrame(clip.file, 0), await greyFrame(VTEST, keyframe + 2));
    expect(diff).toBe(0);
    expect(other).toBeGreaterThan(1);
  }, 40_000);

  it('rides out the camera going away: restarts until it is back, and a clip across the outage is refused', async () => {
    const port = await freePort();
    let server = await startRtspServer(children, port);
    const recorder = new SegmentRecorder({
      cameraId: 'rtsp-cam',
      source: { url: `rtsp://127.0.0.1:${port}/cam`, transport: 'tcp' },
      dir: join(dir, 'outage'),
      ioTimeoutSeconds: 1,
      backoffInitialSeconds: 0.2,
      backoffMaxSeconds: 0.5,
    }).start();
    recorders.push(recorder);
    await waitFor('a segment', () => recorder.stats().segments >= 1, 15_000);
    await children.kill(server);
    const downAt = Date.now();
    await waitFor('a restart', () => recorder.stats().restarts >= 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(recorder.stats().lastError).toMatch(/ffmpeg exited|stream ended|no segment/);
    server = await startRtspServer(children, port);
    const upAt = Date.now();
    await waitFor('recording again', () => (recorder.stats().lastSegmentEndMs ?? 0) > upAt + 1000, 20_000);
    expect(recorder.stats().restarts).toBeGreaterThanOrEqual(2);
    expect(ffmpegWritingTo(join(dir, 'outage'))).toHaveLength(1);

    const error = await new ClipCutter(recorder)
      .cut({ from: new Date(downAt - 1500), to: new Date(upAt + 1000), outFile: join(dir, 'gap.mp4') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).code).toBe('CLIP_NOT_BUFFERED');
    expect((error as ClipError).message).toContain('the recording breaks off at');
    // Two stretches buffered: before the outage and after it.
    expect((error as ClipError).buffered).toHaveLength(2);
  }, 60_000);
});
