import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipCutter } from '../../edge/evidence/clip-cutter.ts';
import { ClipError } from '../../edge/evidence/clip-errors.ts';
import type { RecordedSegment } from '../../edge/evidence/segment-list.ts';
import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';
import { ffmpeg, VTEST, waitFor } from '../ingest/helpers.ts';
import { greyFrame, meanAbsDiff, probeClip, topLevelBoxes } from './clip-test-helpers.ts';

const SEGMENT_SECONDS = 2;

let dir: string;
let recorder: SegmentRecorder;
let cutter: ClipCutter;
/** Wall clock when the fixture camera was started. */
let t0: number;
/** A second camera sending H.265, as many in the field do. */
let hevcRecorder: SegmentRecorder;

async function rejection(promise: Promise<unknown>): Promise<ClipError> {
  const error: unknown = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClipError);
  return error as ClipError;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clip-cutter-'));
  t0 = Date.now();
  // The fixture played in real time, round and round, as a live camera.
  recorder = new SegmentRecorder({
    cameraId: 'vtest-cam',
    source: { url: VTEST, loop: true },
    dir: join(dir, 'buffer'),
    segmentSeconds: SEGMENT_SECONDS,
  }).start();
  cutter = new ClipCutter(recorder);
  // The fixture as an H.265 camera encodes it: a keyframe every 2 s, closed GOPs, no B-frames.
  const hevc = join(dir, 'vtest-hevc.mp4');
  await ffmpeg([
    ...['-i', VTEST, '-t', '8', '-an', '-c:v', 'libx265', '-preset', 'ultrafast'],
    ...['-x265-params', 'keyint=20:min-keyint=20:bframes=0:open-gop=0:log-level=error', hevc],
  ]);
  hevcRecorder = new SegmentRecorder({
    cameraId: 'hevc-cam',
    source: { url: hevc, loop: true },
    dir: join(dir, 'hevc-buffer'),
  }).start();
  await waitFor('8 s recorded', () => (recorder.stats().lastSegmentEndMs ?? 0) >= t0 + 8000, 20_000);
}, 30_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), hevcRecorder?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The cuts share one recording and write separate files: they run side by side.
describe.concurrent('ClipCutter on the fixture recorded as a live camera', () => {
  it('cuts a clip of [t0+3 s, t0+8 s] that plays, covers the interval and starts at a keyframe before it', async () => {
    const from = new Date(t0 + 3000);
    const to = new Date(t0 + 8000);
    const clip = await cutter.cut({ from, to, outFile: join(dir, 'clips', 'event-1.mp4') });

    expect(clip.start.getTime()).toBeLessThanOrEqual(from.getTime());
    expect(clip.end.getTime()).toBeGreaterThanOrEqual(to.getTime());
    expect(clip.complete).toBe(true);
    expect(clip.bytes).toBe(statSync(clip.file).size);

    const probed = await probeClip(clip.file);
    expect(probed).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(probed.format).toContain('mp4');
    expect(probed.durationSeconds).toBeCloseTo(clip.durationSeconds, 1);
    expect(probed.durationSeconds).toBeGreaterThanOrEqual(5);
    expect(probed.durationSeconds).toBeLessThan(5 + 2 * SEGMENT_SECONDS);
    // Every frame decodes: 10 fps all through.
    expect(probed.frames).toBeGreaterThanOrEqual(Math.floor(probed.durationSeconds * 10) - 1);
    // Index before the media, so a browser plays it while it downloads.
    const boxes = topLevelBoxes(clip.file);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  });

  it("holds the fixture's own pictures: the clip's first frame is the source frame recorded at that wall time", async () => {
    const first = recorder.segments()[0];
    if (!first) throw new Error('nothing recorded');
    // The camera's first segment starts with the fixture's first frame, soon after ffmpeg started.
    // ffmpeg 4 (the npm-shipped build) paces -re by the time of the packet before: a file played as a
    // camera runs one frame (0.1 s at the fixture's 10 fps) ahead of the wall clock.
    expect(first.startMs - t0).toBeGreaterThanOrEqual(-100);
    expect(first.startMs - t0).toBeLessThan(2000);
    const clip = await cutter.cut({
      from: new Date(t0 + 4500),
      to: new Date(t0 + 6000),
      outFile: join(dir, 'clips', 'event-2.mp4'),
    });
    const sourceSecond = (clip.start.getTime() - first.startMs) / 1000;
    expect(sourceSecond).toBeCloseTo(Math.round(sourceSecond), 1);
    const clipFrame = await greyFrame(clip.file, 0);
    const sameTime = await greyFrame(VTEST, Math.round(sourceSecond));
    const segmentLater = await greyFrame(VTEST, Math.round(sourceSecond) + SEGMENT_SECONDS);
    // Copied, not re-encoded: the very same picture, bit for bit after decoding.
    expect(meanAbsDiff(clipFrame, sameTime)).toBe(0);
    // People walk: two seconds later the picture differs, so the comparison above means something.
    expect(meanAbsDiff(clipFrame, segmentLater)).toBeGreaterThan(1);
  });

  it('tags an H.265 clip hvc1, the tag under which browsers play it', async () => {
    await waitFor('4 s of H.265 recorded', () => hevcRecorder.stats().segments >= 2, 10_000);
    const [first] = hevcRecorder.segments() as [RecordedSegment];
    const clip = await new ClipCutter(hevcRecorder).cut({
      from: new Date(first.startMs + 500),
      to: new Date(first.startMs + 3000),
      outFile: join(dir, 'clips', 'hevc.mp4'),
    });
    const probed = await probeClip(clip.file);
    expect(probed).toMatchObject({ codec: 'hevc', codecTag: 'hvc1', width: 768, height: 576 });
    expect(probed.durationSeconds).toBeGreaterThanOrEqual(3);
  });

  it('waits for post-roll still being recorded, then cuts', async () => {
    const asked = Date.now();
    const to = new Date(asked + 3000);
    const clip = await cutter.cut({
      from: new Date(asked - 2000),
      to,
      outFile: join(dir, 'clips', 'event-3.mp4'),
      timeoutMs: 15_000,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(to.getTime());
    expect(clip.end.getTime()).toBeGreaterThanOrEqual(to.getTime());
    expect(clip.start.getTime()).toBeLessThanOrEqual(asked - 2000);
    const probed = await probeClip(clip.file);
    expect(probed.durationSeconds).toBeGreaterThanOrEqual(5);
    expect(probed.durationSeconds).toBeLessThan(5 + 2 * SEGMENT_SECONDS);
  }, 20_000);

  it('gives up with CLIP_TIMEOUT when the post-roll does not arrive in time', async () => {
    const now = Date.now();
    const error = await rejection(
      cutter.cut({
        from: new Date(now - 1000),
        to: new Date(now + 60_000),
        outFile: join(dir, 'clips', 'late.mp4'),
        timeoutMs: 1000,
      }),
    );
    expect(error.code).toBe('CLIP_TIMEOUT');
    expect(error.buffered.length).toBeGreaterThan(0);
  });

  it('refuses an interval from before the recording began with CLIP_NOT_BUFFERED, naming what is buffered', async () => {
    const from = new Date(t0 - 60_000);
    const to = new Date(t0 - 50_000);
    const error = await rejection(cutter.cut({ from, to, outFile: join(dir, 'clips', 'never.mp4') }));
    expect(error.code).toBe('CLIP_NOT_BUFFERED');
    expect(error.message).toContain(from.toISOString());
    expect(error.message).toContain('vtest-cam');
    expect(error.buffered[0]?.fromMs).toBe(recorder.segments()[0]?.startMs);
  });

  it('refuses a reversed interval with CLIP_INTERVAL_INVALID', async () => {
    const error = await rejection(
      cutter.cut({ from: new Date(t0 + 5000), to: new Date(t0 + 3000), outFile: join(dir, 'x.mp4') }),
    );
    expect(error.code).toBe('CLIP_INTERVAL_INVALID');
  });
});
