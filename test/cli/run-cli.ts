import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the edge CLI with the words of `commandLine` (split at spaces) as its arguments. */
export function runEdge(commandLine: string, timeoutMs?: number): Promise<CliResult> {
  return runCli('apps/edge/main.ts', commandLine.trim().split(/\s+/), timeoutMs);
}

/** Runs one of the project's CLIs (apps/edge/main.ts, apps/cloud/main.ts) as a user would. */
export function runCli(script: string, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
