// Issue 18, item 10 (the README's set-up path did not record clips): on a machine without a system
// ffmpeg, `npm install` alone gives the npm-shipped static build, and every job the edge gives
// ffmpeg must work with it. These run that build explicitly, on any machine; `.ci/run` also runs
// the recorder, cutter and camera tests and an `npm start` smoke with the system ffmpeg hidden.
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipCutter } from '../../edge/evidence/clip-cutter.ts';
import type { RecordedSegment } from '../../edge/evidence/segment-list.ts';
import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { bundledFfmpegPath, ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { VTEST, waitFor } from '../ingest/helpers.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const shipped = bundledFfmpegPath();

let dir: string;
let recorder: SegmentRecorder | undefined;
const previous = process.env.FFMPEG_PATH;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fresh-machine-'));
  // Every part below (recorder, cutter, frame reader, probe) runs the shipped build.
  process.env.FFMPEG_PATH = shipped;
});

afterAll(async () => {
  await recorder?.stop();
  if (previous === undefined) delete process.env.FFMPEG_PATH;
  else process.env.FFMPEG_PATH = previous;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Decoded frames of the first video stream: one `framecrc` line each. */
async function decodedFrames(file: string): Promise<number> {
  const { stdout } = await run(
    shipped,
    ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-vsync', '0', '-f', 'framecrc', 'pipe:1'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout.split('\n').filter((line) => /^\d/.test(line)).length;
}

describe('the npm-shipped ffmpeg, on a machine without one of its own', () => {
  it('is the one the edge runs when PATH has no ffmpeg and FFMPEG_PATH is unset', async () => {
    const bin = join(dir, 'bin');
    const path = join(bin, 'node');
    rmSync(bin, { recursive: true, force: true });
    await run('mkdir', ['-p', bin]);
    symlinkSync(process.execPath, path);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
    delete env.FFMPEG_PATH;
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const m = await import('./foundation/media/ffmpeg-binaries.ts'); console.log(m.ffmpegPath());",
      ],
      { cwd: REPO, env },
    );
    expect(stdout.trim()).toBe(shipped);
    expect(ffmpegPath()).toBe(shipped);
    const { stdout: version } = await run(shipped, ['-hide_banner', '-version']);
    expect(version).toMatch(/^ffmpeg version /);
  });

  it('records a camera into MPEG-TS segments, probes them, and cuts a clip that plays', async () => {
    recorder = new SegmentRecorder({
      cameraId: 'fresh-cam',
      source: { url: VTEST, loop: true },
      dir: join(dir, 'buffer'),
      segmentSeconds: 1,
    }).start();
    await waitFor('three segments', () => (recorder?.segments().length ?? 0) >= 3, 15_000);
    const [first, , third] = recorder.segments() as [RecordedSegment, RecordedSegment, RecordedSegment];

    // The probe reads the segments ffmpeg wrote (the shipped ffprobe crashed on exactly these).
    const segment = await probeVideo(first.file);
    expect(segment).toMatchObject({ codec: 'h264', width: 768, height: 576, fps: 10, format: 'mpegts' });
    expect(segment.durationSeconds).toBeGreaterThan(0.5);

    const clip = await new ClipCutter(recorder).cut({
      from: new Date(first.startMs + 200),
      to: new Date(third.endMs - 200),
      outFile: join(dir, 'clips', 'clip.mp4'),
    });
    expect(clip.complete).toBe(true);
    const probed = await probeVideo(clip.file);
    expect(probed).toMatchObject({ codec: 'h264', codecTag: 'avc1', width: 768, height: 576 });
    expect(probed.format).toContain('mp4');
    expect(probed.durationSeconds).toBeCloseTo(clip.durationSeconds, 1);
    // Every frame decodes: 10 fps all through.
    expect(await decodedFrames(clip.file)).toBeGreaterThanOrEqual(
      Math.floor(probed.durationSeconds * 10) - 1,
    );
  });

  it('reads a segment cut off mid-write, as a killed ffmpeg leaves it', async () => {
    const [, second] = recorder?.segments() ?? [];
    if (!second) throw new Error('the recording test above recorded nothing');
    const whole = second.file;
    const cut = join(dir, 'cut-off.ts');
    copyFileSync(whole, cut);
    truncateSync(cut, Math.floor(statSync(whole).size * 0.6));
    const info = await probeVideo(cut);
    expect(info).toMatchObject({ codec: 'h264', width: 768, height: 576 });
    expect(info.durationSeconds).toBeGreaterThan(0);
    expect(info.durationSeconds).toBeLessThan((await probeVideo(whole)).durationSeconds + 0.01);
  });

  it('hands the detector frames at the analysis rate and size', async () => {
    const frames = [];
    for await (const frame of readFrames({ source: VTEST, fps: 5, width: 320, height: 240 })) {
      frames.push(frame);
      if (frames.length === 3) break;
    }
    expect(frames.map((f) => f.data.length)).toEqual([230_400, 230_400, 230_400]);
    // A picture, not a blank buffer: the frame has many distinct byte values.
    expect(new Set(frames[0]?.data).size).toBeGreaterThan(100);
  });

  it('encodes the live view as the relay asks: MPEG-1 in MPEG-TS, paced in real time', async () => {
    const out = join(dir, 'live.ts');
    // node-rtsp-stream's command line, with the options edge/live/live-relays.ts adds for a file.
    const args = ['-i', VTEST, '-f', 'mpegts', '-codec:v', 'mpeg1video'];
    args.push('-loglevel', 'error', '-nostats', '-an', '-b:v', '1000k', '-r', '25', '-vf', 'realtime');
    args.push('-t', '1', out);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(shipped, args, { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(readFileSync(out)[0]).toBe(0x47);
    expect(await probeVideo(out)).toMatchObject({ codec: 'mpeg1video', width: 768, height: 576, fps: 25 });
  });

  it('is not fooled by metadata that imitates stream or duration lines, and names a missing file', async () => {
    const fake = '  Stream #0:0: Video: h264, 16x16, 1 fps\n  Duration: 09:00:00.00';
    // A value's line breaks print as continuations: the probe reads past them.
    const titled = join(dir, 'titled.mp4');
    await run(shipped, [
      ...['-v', 'error', '-nostdin', '-i', VTEST, '-t', '1', '-c', 'copy'],
      ...['-metadata', `title=x\n${fake}`, titled],
    ]);
    const info = await probeVideo(titled);
    expect(info).toMatchObject({ width: 768, height: 576, codec: 'h264' });
    expect(info.durationSeconds).toBeLessThan(2);
    // A key's line breaks print as they are (NUT keeps keys verbatim): refused, not misread.
    const keyed = join(dir, 'keyed.nut');
    await run(shipped, [
      ...['-v', 'error', '-nostdin', '-i', VTEST, '-t', '1', '-c', 'copy'],
      ...['-metadata', `k\n${fake}\n=v`, '-f', 'nut', keyed],
    ]);
    await expect(probeVideo(keyed)).rejects.toThrow(/cannot read video .*keyed\.nut: ambiguous/);
    await expect(probeVideo(join(dir, 'no-such.mp4'))).rejects.toThrow(/cannot read video .*no-such\.mp4/);
  });
});
