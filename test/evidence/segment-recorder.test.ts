import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipCutter } from '../../edge/evidence/clip-cutter.ts';
import { ClipError } from '../../edge/evidence/clip-errors.ts';
import type { RecorderOptionsInput } from '../../edge/evidence/recorder-options.ts';
import type { RecordedSegment } from '../../edge/evidence/segment-list.ts';
import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';
import { ffmpeg, VTEST, waitFor } from '../ingest/helpers.ts';
import { anyFfmpegWritingTo, ffmpegWritingTo, probeClip } from './clip-test-helpers.ts';

const CHILD = fileURLToPath(new URL('./recorder-child-process.ts', import.meta.url));

let dir: string;
const recorders: SegmentRecorder[] = [];

function recorder(options: Partial<RecorderOptionsInput> & { dir: string }): SegmentRecorder {
  const r = new SegmentRecorder({
    cameraId: 'cam-1',
    source: { url: VTEST, loop: true },
    backoffInitialSeconds: 0.1,
    backoffMaxSeconds: 0.2,
    ...options,
  });
  recorders.push(r);
  return r;
}

/** Everything emitted as `segment`, in order. */
function closed(r: SegmentRecorder): RecordedSegment[] {
  const all: RecordedSegment[] = [];
  r.on('segment', (s) => all.push(s));
  return all;
}

const tsFiles = (folder: string): string[] => readdirSync(folder).filter((n) => n.endsWith('.ts'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'segment-recorder-'));
});

afterAll(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Each test records its own camera into its own folder, at the fixture's real-time pace: they run side by side.
describe.concurrent('SegmentRecorder', () => {
  it('cuts at keyframes, keeps closed segments under a tiny byte cap oldest first, and drops segments past the age limit', async () => {
    const capped = join(dir, 'capped');
    const aged = join(dir, 'aged');
    const CAP = 250_000; // about two and a half of the fixture's 2 s segments
    // Asked for 1 s segments: the fixture has a keyframe every 2 s, and ffmpeg cuts only at keyframes.
    const byBytes = recorder({ dir: capped, segmentSeconds: 1, maxBytes: CAP }).start();
    const byAge = recorder({ dir: aged, maxAgeSeconds: 3 }).start();
    const byBytesClosed = closed(byBytes);
    const byAgeClosed = closed(byAge);
    await waitFor('four segments each', () => byBytesClosed.length >= 4 && byAgeClosed.length >= 4, 20_000);
    // Both close a segment every 2 s at about the same moment: look between two closes.
    await new Promise((resolve) => setTimeout(resolve, 300));

    for (const s of byBytesClosed) expect(s.endMs - s.startMs).toBeCloseTo(2000, -2);
    const held = byBytes.segments();
    const stats = byBytes.stats();
    expect(stats.bytes).toBeLessThanOrEqual(CAP);
    expect(stats.bytes).toBe(held.reduce((sum, s) => sum + s.bytes, 0));
    // Oldest first: what is left is the newest stretch, and the deleted files are gone from disk.
    expect(held.map((s) => s.file)).toEqual(byBytesClosed.slice(-held.length).map((s) => s.file));
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(stats.deletedSegments).toBe(byBytesClosed.length - held.length);
    for (const s of byBytesClosed.slice(0, -held.length)) expect(existsSync(s.file)).toBe(false);
    // On disk: the held segments plus the one being written, which is never deleted.
    const onDisk = tsFiles(capped).reduce((sum, n) => sum + statSync(join(capped, n)).size, 0);
    expect(onDisk).toBeLessThanOrEqual(CAP + Math.max(...held.map((s) => s.bytes)) * 1.5);
    expect(tsFiles(capped).filter((n) => n.startsWith('run-'))).toHaveLength(1);

    const now = Date.now();
    const ageHeld = byAge.segments();
    expect(byAge.stats().deletedSegments).toBeGreaterThanOrEqual(2);
    expect(ageHeld.length).toBeGreaterThanOrEqual(1);
    // Retention runs as each segment closes: a held one ended at most 3 s before the last close.
    for (const s of ageHeld) expect(s.endMs).toBeGreaterThanOrEqual(now - 3000 - 2500);
  }, 30_000);

  it('on stop() closes the segment being written, and a new recorder on the folder takes over the buffer', async () => {
    const folder = join(dir, 'handover');
    const first = recorder({ dir: folder }).start();
    await waitFor('a closed segment', () => first.stats().segments >= 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await first.stop();
    expect(first.state).toBe('stopped');
    expect(ffmpegWritingTo(folder)).toEqual([]);
    const held = first.segments();
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(tsFiles(folder).filter((n) => n.startsWith('run-'))).toEqual([]);
    const last = held.at(-1) as RecordedSegment;
    expect(last.endMs - last.startMs).toBeLessThan(2000);
    const probed = await probeClip(last.file);
    expect(probed.codec).toBe('h264');
    expect(probed.frames).toBeGreaterThanOrEqual(1);

    const second = recorder({ dir: folder, source: { url: join(dir, 'no-such-camera.mp4') } }).start();
    await waitFor('the buffer adopted', () => second.segments().length === held.length, 5000);
    expect(second.segments()).toEqual(held);
    const clip = await new ClipCutter(second).cut({
      from: new Date(held[0]?.startMs as number),
      to: new Date(last.endMs - 10),
      outFile: join(dir, 'handover-clip.mp4'),
    });
    expect((await probeClip(clip.file)).durationSeconds).toBeGreaterThan(2);
  }, 20_000);

  it('restarts ffmpeg killed mid-segment and keeps the part it had written', async () => {
    const folder = join(dir, 'killed');
    const r = recorder({ dir: folder }).start();
    const restarts: string[] = [];
    r.on('restart', (info) => restarts.push(info.reason));
    await waitFor('a closed segment', () => r.stats().segments >= 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [pid] = ffmpegWritingTo(folder);
    const killedAt = Date.now();
    process.kill(pid as number, 'SIGKILL');
    await waitFor('recording again', () => r.stats().restarts >= 1 && r.state === 'recording', 10_000);
    expect(restarts).toEqual(['ffmpeg was killed by SIGKILL']);
    // The killed run's unfinished segment is kept: it starts where the run's last closed one ended,
    // and holds what ffmpeg had written of the second or so before the kill.
    const [closedFirst, salvaged] = r.segments() as [RecordedSegment, RecordedSegment];
    expect(salvaged.startMs).toBe(closedFirst.endMs);
    expect(salvaged.endMs).toBeLessThanOrEqual(killedAt + 200);
    expect(salvaged.endMs).toBeGreaterThan(killedAt - 1000);
    expect((await probeClip(salvaged.file)).frames).toBeGreaterThanOrEqual(3);
  }, 20_000);

  it('adopts a segment an earlier process left unfinished, dated by its file time', async () => {
    const source = join(dir, 'source');
    const first = recorder({ dir: source }).start();
    await waitFor('a closed segment', () => first.stats().segments >= 1, 10_000);
    await first.stop();
    const folder = join(dir, 'crashed');
    mkdirSync(folder);
    const leftover = join(folder, 'run-1795000000000-000007.ts');
    copyFileSync((first.segments()[0] as RecordedSegment).file, leftover);
    const endedAt = new Date(Math.round(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(leftover, endedAt, endedAt);

    const second = recorder({ dir: folder, source: { url: join(dir, 'no-such-camera.mp4') } }).start();
    const [adopted] = await waitFor(
      'the leftover adopted',
      () => second.segments().length > 0 && second.segments(),
      5000,
    );
    expect(adopted?.endMs).toBe(endedAt.getTime());
    expect(endedAt.getTime() - (adopted?.startMs as number)).toBeCloseTo(2000, -2);
    expect(tsFiles(folder)).toEqual([basename(adopted?.file as string)]);
  }, 20_000);

  it('recorded to its end, a file gives a partial clip when asked for one, and CLIP_NOT_BUFFERED otherwise', async () => {
    const short = join(dir, 'short.mp4');
    await ffmpeg(['-i', VTEST, '-t', '5', '-c', 'copy', short]);
    const r = recorder({ dir: join(dir, 'short'), source: { url: short } }).start();
    await waitFor('the file recorded to its end', () => r.state === 'stopped', 15_000);
    expect(r.stats().restarts).toBe(0);
    const [first, ...rest] = r.segments() as [RecordedSegment, ...RecordedSegment[]];
    const lastEnd = (rest.at(-1) ?? first).endMs;
    // 5 s of video; each segment is dated by the clock estimate of its close, which jitters with load.
    expect(Math.abs(lastEnd - first.startMs - 5000)).toBeLessThan(300);

    const cutter = new ClipCutter(r);
    // The event's post-roll was never recorded: the camera (here, the file) ended first.
    const wanted = { from: new Date(first.startMs + 1000), to: new Date(first.startMs + 20_000) };
    const refused = await cutter.cut({ ...wanted, outFile: join(dir, 'whole.mp4') }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CLIP_NOT_BUFFERED' });
    expect((refused as ClipError).message).toContain('the recorder has stopped');
    const part = await cutter.cut({ ...wanted, outFile: join(dir, 'part.mp4'), partial: true });
    expect(part.complete).toBe(false);
    expect(part.start.getTime()).toBe(first.startMs);
    expect(part.durationSeconds).toBeCloseTo(5, 0);
    expect((await probeClip(part.file)).durationSeconds).toBeCloseTo(5, 0);
    // Pre-roll from before the recording began: the clip starts where the recording does.
    const early = await cutter.cut({
      from: new Date(first.startMs - 3000),
      to: new Date(first.startMs + 2000),
      outFile: join(dir, 'early.mp4'),
      partial: true,
    });
    expect(early).toMatchObject({ complete: false, start: new Date(first.startMs) });
    expect(early.end.getTime()).toBeGreaterThanOrEqual(first.startMs + 2000);
  }, 20_000);

  it('restarts a run in which no segment closes for stallSeconds, keeping what it wrote', async () => {
    // A 1 s watchdog on a camera whose keyframes (so segments) come every 2 s: every run stalls.
    const r = recorder({ dir: join(dir, 'stalling'), stallSeconds: 1 }).start();
    const reasons: string[] = [];
    r.on('restart', (info) => reasons.push(info.reason));
    await waitFor('two stalled runs', () => reasons.length >= 2, 10_000);
    expect(reasons[0]).toMatch(/^no segment closed for 1\.\d s$/);
    expect(r.stats().lastError).toMatch(/^no segment closed for/);
    // Each stopped run closed its segment of about a second, which stays in the buffer.
    await waitFor('the stalled runs kept', () => r.stats().segments >= 2, 5000);
  }, 20_000);

  it('leaves no ffmpeg behind when its process is killed, and the next recorder keeps what was written', async () => {
    const folder = join(dir, 'orphan');
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, folder, VTEST], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('RECORDING')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`recorder process exited with ${code}`)));
    });
    expect(anyFfmpegWritingTo(folder)).toHaveLength(1);
    child.kill('SIGKILL');
    await waitFor('its ffmpeg gone', () => anyFfmpegWritingTo(folder).length === 0, 5000);
    expect(tsFiles(folder).some((n) => n.startsWith('run-'))).toBe(true);
    const next = recorder({ dir: folder, source: { url: join(dir, 'no-such-camera.mp4') } }).start();
    await waitFor('the unfinished segment adopted', () => next.stats().segments >= 2, 5000);
    expect(tsFiles(folder).some((n) => n.startsWith('run-'))).toBe(false);
  }, 20_000);

  it('keeps retrying a source that does not exist, reporting why, and stops cleanly', async () => {
    const missing = join(dir, 'no-such-camera.mp4');
    const folder = join(dir, 'missing');
    const r = recorder({ dir: folder, source: { url: missing } }).start();
    await waitFor('three restarts', () => r.stats().restarts >= 3, 10_000);
    const stats = r.stats();
    expect(stats.lastError).toContain('No such file or directory');
    expect(stats.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(stats.segments).toBe(0);
    expect(r.active).toBe(true);
    const now = Date.now();
    const error = await new ClipCutter(r)
      .cut({ from: new Date(now - 5000), to: new Date(now - 1000), outFile: join(dir, 'none.mp4') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipError);
    expect((error as ClipError).code).toBe('CLIP_NOT_BUFFERED');
    expect((error as ClipError).message).toContain('buffered: nothing');
    await r.stop();
    expect(r.state).toBe('stopped');
    expect(ffmpegWritingTo(folder)).toEqual([]);
  }, 20_000);

  it('keeps retrying when its folder cannot be made, reporting why', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = recorder({ dir: join(blocker, 'cam-1') }).start();
    await waitFor('two restarts', () => r.stats().restarts >= 2, 10_000);
    expect(r.stats().lastError).toMatch(/segment folder .*a-file\/cam-1: .*(ENOTDIR|EEXIST)/);
    expect(r.state).not.toBe('stopped');
    await r.stop();
    expect(r.state).toBe('stopped');
  });

  it('refuses an HTTP MJPEG source and bad options with codes naming the problem', () => {
    const make = (options: Partial<RecorderOptionsInput>) => () =>
      new SegmentRecorder({ cameraId: 'cam-1', source: { url: VTEST }, dir, ...options });
    expect(make({ source: { url: 'http://10.0.0.7/video.mjpg' } })).toThrow(
      expect.objectContaining({ code: 'RECORDER_SOURCE_UNSUPPORTED' }),
    );
    expect(make({ segmentSeconds: 0 })).toThrow(
      expect.objectContaining({
        code: 'RECORDER_OPTIONS_INVALID',
        message: expect.stringContaining('segmentSeconds'),
      }),
    );
  });
});
