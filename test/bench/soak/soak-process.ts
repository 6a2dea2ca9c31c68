import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Polls `done` every 200 ms; throws naming `what` after `timeoutMs`. */
export async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`soak: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/** A process that ended without being told to: a figure of the soak in its own right. */
export interface Crash {
  name: string;
  generation: number;
  /** Exit code or signal. */
  exit: string;
  /** The end of what it wrote to stderr. */
  last: string;
}

/**
 * One of the soak's real processes (`node --import tsx <script>`), restartable. Each start is a
 * generation; it runs in a process group of its own, so that `kill9()` takes its ffmpeg children
 * with it as a crash of the box would. Stdout lines go to `onLine` with the generation; stderr
 * is appended to `logFile`. A process that exits by itself is recorded in `crashes` and started
 * again a second later, as the deployment's `restart: on-failure` would.
 */
export class SoakProcess {
  generation = 0;
  readonly crashes: Crash[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';
  /** Set while the soak itself ends the process (kill9, stop): no crash, no restart. */
  private ending = false;
  private restart: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
    private readonly onLine: (line: string, generation: number) => void = () => {},
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it wrote to stderr lately (this generation). */
  stderr(): string {
    return this.stderrTail;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    const generation = ++this.generation;
    this.stderrTail = '';
    this.ending = false;
    const child = spawn(process.execPath, ['--import', 'tsx', this.script, ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    log.write(`--- ${this.name} generation ${generation}, pid ${child.pid}, ${new Date().toISOString()}\n`);
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.onLine(line, generation);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-20_000);
    });
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        log.end();
        if (!this.ending) {
          this.crashes.push({
            name: this.name,
            generation,
            exit: signal ?? `code ${code}`,
            last: this.stderrTail.slice(-1500),
          });
          this.restart = setTimeout(() => this.start(), 1000);
        }
        resolve();
      }),
    );
  }

  /** Waits for `pattern` on this generation's stderr (a process's "I am up" line). */
  async started(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
    await until(
      () => {
        if (!this.running)
          throw new Error(`${this.name} exited while starting:\n${this.stderrTail.slice(-3000)}`);
        return pattern.test(this.stderrTail);
      },
      `${this.name} to start (${pattern})`,
      timeoutMs,
    );
    return (pattern.exec(this.stderrTail) as RegExpExecArray)[0];
  }

  /** `kill -9` of its whole process group. */
  async kill9(): Promise<void> {
    this.ending = true;
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  /** SIGINT, as an operator's Ctrl-C or a service stop; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.ending = true;
    clearTimeout(this.restart);
    if (!this.running) return;
    this.signalGroup('SIGINT');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Its children (ffmpeg) may outlive a clean exit of the group leader.
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}
