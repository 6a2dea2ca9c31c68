import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface TsxChild {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** All it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Calls `listener` with each whole line of stdout from now on. */
  onLine(listener: (line: string) => void): void;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript script as `node --import tsx`, not the tsx CLI: that runs the script in a child
 * of its own, which a SIGKILL of the CLI would leave running.
 */
export function spawnTsx(script: string, args: readonly string[]): TsxChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners: ((line: string) => void)[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    onLine: (listener) => listeners.push(listener),
    exited,
  };
}
