import { spawnTsx } from '../support/spawn-tsx.ts';

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
export async function runCli(script: string, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  const run = spawnTsx(script, args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
