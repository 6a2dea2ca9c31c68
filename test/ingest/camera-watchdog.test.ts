import { describe, expect, it } from 'vitest';
import { FrameWatchdog } from '../../edge/ingest/camera-watchdog.ts';
import { buildFrameReaderArgs, type FrameReaderOptions } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { LatestSlot } from '../../edge/ingest/latest-slot.ts';
import { rtspSocketTimeoutOption } from '../../foundation/media/ffmpeg-binaries.ts';
import { nextBackoff } from '../../foundation/util/backoff.ts';

describe('nextBackoff', () => {
  const options = { initialSeconds: 1, maxSeconds: 60 };

  it('doubles the ceiling per attempt up to the maximum, scaled by the jitter', () => {
    const top = () => 0.999;
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => nextBackoff(n, options, top) / 0.999);
    expect(ceilings.map((c) => Math.round(c * 1000) / 1000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('is full jitter: anywhere from 0 to the ceiling, as random says', () => {
    expect(nextBackoff(3, options, () => 0)).toBe(0);
    expect(nextBackoff(3, options, () => 0.5)).toBe(4);
    expect(nextBackoff(3, options, () => 0.25)).toBe(2);
  });

  it('never exceeds the maximum, even for huge attempts or a random out of range', () => {
    expect(nextBackoff(5000, options, () => 0.5)).toBe(30);
    expect(nextBackoff(2, options, () => 7)).toBe(4);
    expect(nextBackoff(2, options, () => -1)).toBe(0);
    expect(nextBackoff(-3, options, () => 0.5)).toBe(0.5);
  });

  it('spreads the delays of many cameras over the whole range', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delays = Array.from({ length: 1000 }, () => nextBackoff(4, options, random));
    expect(Math.min(...delays)).toBeLessThan(1);
    expect(Math.max(...delays)).toBeGreaterThan(15);
    expect(delays.every((d) => d >= 0 && d <= 16)).toBe(true);
  });
});

describe('FrameWatchdog', () => {
  const options = { fps: 5, stallSeconds: 10, minRateRatio: 0.3, rateWindowSeconds: 10 };

  it('reports a stall when the first frame does not come within stallSeconds', () => {
    const w = new FrameWatchdog(options, 1_000);
    expect(w.check(1_000)).toBeUndefined();
    expect(w.check(10_999)).toBeUndefined();
    expect(w.check(11_000)).toEqual({ kind: 'stall', message: 'no first frame for 10.0 s' });
  });

  it('gives the first frame connectSeconds when set', () => {
    const w = new FrameWatchdog({ ...options, stallSeconds: 2, connectSeconds: 8 }, 0);
    expect(w.check(7_999)).toBeUndefined();
    expect(w.check(8_000)).toMatchObject({ kind: 'stall', message: 'no first frame for 8.0 s' });
    w.progress(8_500);
    expect(w.check(10_499)).toBeUndefined();
    expect(w.check(10_500)).toMatchObject({ kind: 'stall', message: 'no frame for 2.0 s' });
  });

  it('reports a stall stallSeconds after the last frame, not before', () => {
    const w = new FrameWatchdog(options, 0);
    for (let t = 0; t <= 5_000; t += 200) w.progress(t);
    expect(w.check(14_999)).toBeUndefined();
    expect(w.check(15_000)).toMatchObject({ kind: 'stall', message: 'no frame for 10.0 s' });
  });

  it('accepts the configured rate, and faster (a file read at full speed)', () => {
    const steady = new FrameWatchdog(options, 0);
    const fast = new FrameWatchdog(options, 0);
    for (let t = 0; t <= 60_000; t += 200) {
      steady.progress(t);
      for (let k = 0; k < 10; k++) fast.progress(t + k);
      expect(steady.check(t)).toBeUndefined();
      expect(fast.check(t)).toBeUndefined();
    }
  });

  it('reports a rate under minRateRatio × fps over a full window', () => {
    const w = new FrameWatchdog(options, 0);
    // One frame a second: 20 % of 5 fps. Never silent long enough to stall.
    let verdict: ReturnType<FrameWatchdog['check']>;
    let t = 0;
    for (; t <= 30_000 && !verdict; t += 1_000) {
      w.progress(t);
      verdict = w.check(t);
    }
    expect(verdict).toMatchObject({ kind: 'low_rate', rate: 1 });
    expect(t - 1_000).toBe(10_000); // decided at the end of the first 10 s window
    expect(verdict?.message).toBe('frame rate 1.00/s over 10.0 s, below 1.50/s (30 % of 5 fps)');
  });

  it('does not judge the rate before a whole window, and judges each window afresh', () => {
    const w = new FrameWatchdog(options, 0);
    w.progress(0);
    for (let t = 200; t <= 9_800; t += 200) w.progress(t); // 49 frames in the first window
    expect(w.check(9_900)).toBeUndefined();
    expect(w.check(10_000)).toBeUndefined(); // 4.9 fps: fine, window restarts at 10 s
    for (let t = 10_000; t <= 20_000; t += 1_000) w.progress(t); // then 1 fps
    expect(w.check(20_000)).toMatchObject({ kind: 'low_rate' });
  });
});

describe('LatestSlot', () => {
  it('keeps only the newest value and reports each replacement', async () => {
    const slot = new LatestSlot<number>();
    expect(slot.put(1)).toBe(false);
    expect(slot.put(2)).toBe(true);
    expect(slot.put(3)).toBe(true);
    expect(await slot.take()).toBe(3);
    const pending = slot.take();
    expect(slot.put(4)).toBe(false); // handed straight to the waiting take
    expect(await pending).toBe(4);
  });

  it('ends takes with undefined once closed, after the stored value', async () => {
    const slot = new LatestSlot<string>();
    slot.put('last');
    slot.close();
    expect(await slot.take()).toBe('last');
    expect(await slot.take()).toBeUndefined();
    const waiting = new LatestSlot<string>();
    const pending = waiting.take();
    waiting.close();
    expect(await pending).toBeUndefined();
    expect(waiting.put('late')).toBe(false);
  });
});

describe('ffmpeg arguments', () => {
  /** The options before `-i` that `readFrames` would give ffmpeg, and the whole command line. */
  function frameReaderInput(options: Omit<FrameReaderOptions, 'fps'>): { input: string[]; args: string[] } {
    const args = buildFrameReaderArgs({ fps: 5, width: 416, height: 416, ...options });
    return { input: args.slice(0, args.indexOf('-i')), args };
  }

  it('reads RTSP over TCP with a socket timeout in microseconds and hardware decoding', () => {
    const { input, args } = frameReaderInput({
      source: 'rtsp://cam/stream',
      rtspTransport: 'tcp',
      ioTimeoutSeconds: 2.5,
      hwaccel: 'cuda',
    });
    expect(input).toEqual(
      expect.arrayContaining(['-rtsp_transport', 'tcp', '-hwaccel', 'cuda', rtspSocketTimeoutOption()]),
    );
    expect(input[input.indexOf(rtspSocketTimeoutOption()) + 1]).toBe('2500000');
    expect(args[args.indexOf('-i') + 1]).toBe('rtsp://cam/stream');
    expect(args[args.indexOf('-vf') + 1]).toBe('fps=5,scale=416:416');
  });

  it('names the RTSP socket timeout as this ffmpeg does (never the listen timeout of ffmpeg 4)', () => {
    expect(['-timeout', '-stimeout']).toContain(rtspSocketTimeoutOption());
  });

  it('uses -rw_timeout, wall-clock timestamps and a forced format for HTTP, and no RTSP options', () => {
    const { input } = frameReaderInput({
      source: 'http://cam/video.mjpg',
      rtspTransport: 'tcp',
      ioTimeoutSeconds: 3,
      wallclockTimestamps: true,
      inputFormat: 'mpjpeg',
    });
    expect(input).not.toContain('-rtsp_transport');
    expect(input).toEqual(
      expect.arrayContaining(['-rw_timeout', '3000000', '-use_wallclock_as_timestamps', '1', '-f', 'mpjpeg']),
    );
  });

  it('passes no network options for files, and loops them with -stream_loop', () => {
    const { input } = frameReaderInput({ source: 'clip.mp4', loop: true, ioTimeoutSeconds: 3 });
    expect(input).toEqual(['-hide_banner', '-loglevel', 'error', '-nostdin', '-stream_loop', '-1']);
  });
});
