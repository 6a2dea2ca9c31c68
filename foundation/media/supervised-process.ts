import { type ChildProcess, spawn as nodeSpawn, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { type BackoffOptions, nextBackoff } from '../util/backoff.ts';
import { maskedErrorText } from './source-url.ts';

/** How a run ended, as its owner reads it: for good (a file read to its end), or to be restarted. */
export type RunOutcome = { kind: 'ended' } | { kind: 'failed'; reason: string };

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started; `code` is then negative (-2: no such program). */
  error?: Error;
  /** The last 4000 characters it wrote to stderr. */
  stderr: string;
}

/** Decides when a run has stalled. Times are ms of the supervisor's clock. */
export interface Watchdog {
  /** The run showed that it works (a frame decoded, a segment closed). */
  progress(now: number): void;
  /** Why the run should be restarted now, or undefined while it is fine. */
  check(now: number): { message: string } | undefined;
}

export interface SupervisedRun {
  readonly child: ChildProcess;
  /** The clock's time when the process was started. */
  readonly startedAt: number;
  /** Aborted once the supervisor ends the run (stop, stall): output still coming is drained, not used. */
  readonly signal: AbortSignal;
  /** Resolves once the process has exited and its pipes are closed. */
  readonly exited: Promise<ProcessExit>;
  /** Feeds the watchdog. */
  progress(now: number): void;
  /** The run has been healthy long enough: the next failure backs off from the initial delay again. */
  healthy(): void;
}

export interface RestartInfo {
  /** Why the run ended. */
  reason: string;
  /** Backoff attempt number (0 after a healthy run). */
  attempt: number;
  delaySeconds: number;
}

export interface SupervisedProcessEvents {
  /** The watchdog gave up on the run; its process is being ended. */
  stall: [reason: string];
  /** A run failed; the next starts after `delaySeconds`. */
  restart: [info: RestartInfo];
  /** Supervision is over: `stop()` was called, or a run ended for good. Emitted once. */
  stopped: [];
}

export interface SupervisedProcessOptions {
  /** The program and its arguments for a run starting at `startedAt` (clock time). */
  command: (startedAt: number) => { file: string; args: readonly string[] };
  /** Default `['ignore', 'pipe', 'pipe']`; stderr must be a pipe. */
  stdio?: StdioOptions;
  /**
   * How a run is ended on `stop()` or a stall: this signal, then SIGKILL if the process has not
   * exited `stopGraceMs` later. Default SIGKILL, at once.
   */
  stopSignal?: NodeJS.Signals;
  /** Default 5000. */
  stopGraceMs?: number;
  /** Restarts wait `nextBackoff(failures since the last healthy run)`. */
  backoff: BackoffOptions;
  /** A fresh watchdog for each run. */
  watchdog: (startedAt: number) => Watchdog;
  /** How often the watchdog is asked, ms. */
  watchdogIntervalMs: number;
  /**
   * Reads one run's output (calling `run.progress`), waits for `run.exited` and says what the end
   * means. Asked for every process started; its answer does not count when the run was stopped or
   * stalled.
   */
  handle: (run: SupervisedRun) => Promise<RunOutcome>;
  /** Before each start: a reason the run cannot start (it then counts as failed), or undefined. */
  prepare?: () => Promise<string | undefined>;
  /** After each run, whatever its end. */
  cleanup?: () => Promise<void>;
  /** Wall clock, ms. Default `Date.now`. */
  clock?: () => number;
  /** Backoff jitter, values in [0, 1). Default `Math.random`. */
  random?: () => number;
  spawn?: typeof nodeSpawn;
}

/**
 * Keeps a child process (ffmpeg) running: starts it, asks a watchdog whether the run still works,
 * ends it on `stop()` or a stall, and starts it again after every failed run, waiting an
 * exponential backoff with full jitter. A run that its owner reads as `ended` stops supervision.
 */
export class SupervisedProcess extends EventEmitter<SupervisedProcessEvents> {
  private readonly options: SupervisedProcessOptions;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly spawn: typeof nodeSpawn;
  private started = false;
  private stopRequested = false;
  private finished = false;
  private loop: Promise<void> | undefined;
  private endRun: (() => void) | undefined;
  private wakeFromBackoff: (() => void) | undefined;
  private restartCount = 0;
  private failures = 0;

  constructor(options: SupervisedProcessOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.spawn = options.spawn ?? nodeSpawn;
  }

  /** Starts after the first, and failures since the last healthy run (the exponent of the next backoff). */
  counts(): { restarts: number; consecutiveFailures: number } {
    return { restarts: this.restartCount, consecutiveFailures: this.failures };
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Starts supervising (once; later calls, and calls after `stop()`, do nothing). */
  start(): void {
    if (this.started || this.stopRequested) return;
    this.started = true;
    this.loop = this.supervise();
  }

  /** Ends the running process and supervision; resolves once the process has exited. Idempotent. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.endRun?.();
    this.wakeFromBackoff?.();
    if (this.loop) await this.loop;
    else this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('stopped');
  }

  private async supervise(): Promise<void> {
    try {
      for (let first = true; !this.stopRequested; first = false) {
        if (!first) this.restartCount += 1;
        let outcome: RunOutcome | undefined;
        try {
          outcome = await this.runOnce();
        } finally {
          await this.options.cleanup?.();
        }
        if (outcome?.kind !== 'failed' || this.stopRequested) break;
        const attempt = this.failures;
        const delaySeconds = nextBackoff(attempt, this.options.backoff, this.random);
        this.failures += 1;
        this.emit('restart', { reason: outcome.reason, attempt, delaySeconds });
        await this.sleep(delaySeconds * 1000);
      }
    } finally {
      this.finish();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeFromBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeFromBackoff = wake;
    });
  }

  private terminate(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = this.options.stopSignal ?? 'SIGKILL';
    child.kill(signal);
    if (signal === 'SIGKILL') return;
    const killer = setTimeout(() => child.kill('SIGKILL'), this.options.stopGraceMs ?? 5000);
    child.once('close', () => clearTimeout(killer));
  }

  /** One process, from its start to its end; undefined when stopped. Never throws. */
  private async runOnce(): Promise<RunOutcome | undefined> {
    const refused = await this.options.prepare?.();
    if (refused !== undefined) return { kind: 'failed', reason: refused };
    if (this.stopRequested) return undefined;
    const startedAt = this.clock();
    const { file, args } = this.options.command(startedAt);
    const child = this.spawn(file, [...args], { stdio: this.options.stdio ?? ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<ProcessExit>((done) => {
      let error: Error | undefined;
      child.once('error', (e) => {
        error = e;
      });
      child.once('close', (code, signal) => done({ code, signal, stderr, ...(error ? { error } : {}) }));
    });
    const controller = new AbortController();
    const end = (): void => {
      controller.abort();
      this.terminate(child);
    };
    this.endRun = end;
    const watchdog = this.options.watchdog(startedAt);
    let stall: string | undefined;
    const ticker = setInterval(() => {
      if (stall !== undefined || controller.signal.aborted) return;
      const verdict = watchdog.check(this.clock());
      if (!verdict) return;
      stall = verdict.message;
      this.emit('stall', stall);
      end();
    }, this.options.watchdogIntervalMs);
    void exited.then(() => clearInterval(ticker));
    const run: SupervisedRun = {
      child,
      startedAt,
      signal: controller.signal,
      exited,
      progress: (now) => watchdog.progress(now),
      healthy: () => {
        this.failures = 0;
      },
    };
    let outcome: RunOutcome;
    try {
      outcome = await this.options.handle(run);
    } catch (error) {
      end();
      outcome = { kind: 'failed', reason: maskedErrorText(error) };
    } finally {
      await exited;
      this.endRun = undefined;
    }
    if (this.stopRequested) return undefined;
    if (stall !== undefined) return { kind: 'failed', reason: stall };
    return outcome;
  }
}
