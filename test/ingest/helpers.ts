import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CameraFrame, CameraSource, CameraState } from '../../edge/ingest/camera-source.ts';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';

export const VTEST = fileURLToPath(new URL('../../fixtures/video/vtest.mp4', import.meta.url));

const run = promisify(execFile);

export async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs: number,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Pids of the live (not zombie) ffmpeg processes whose parent is this process (Linux /proc). */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(open + 1, close);
    const [state, ppid] = stat
      .slice(close + 2)
      .split(' ')
      .slice(0, 2);
    if (comm === 'ffmpeg' && Number(ppid) === process.pid && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

export interface Collector {
  frames: CameraFrame[];
  states: CameraState[];
  /** Resolves when the camera's `frames()` iterator ends. */
  done: Promise<void>;
}

/** Consumes `camera.frames()` in the background (optionally slowly) and records its states. */
export function collect(camera: CameraSource, perFrameMs = 0): Collector {
  const collector: Collector = { frames: [], states: [camera.state], done: Promise.resolve() };
  camera.on('state', (state) => collector.states.push(state));
  collector.done = (async () => {
    for await (const frame of camera.frames()) {
      collector.frames.push(frame);
      if (perFrameMs > 0) await sleep(perFrameMs);
    }
  })();
  return collector;
}

/** Child processes a test started, killed (SIGKILL) by `killAll` whatever happened. */
export class Children {
  private readonly all = new Set<ChildProcess>();

  constructor() {
    // Last resort, should the worker exit without running the test's cleanup.
    process.once('exit', () => {
      for (const child of this.all) child.kill('SIGKILL');
    });
  }

  spawn(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.all.add(child);
    child.once('exit', () => this.all.delete(child));
    return child;
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.all].map((child) => this.kill(child)));
  }
}
