import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import { spawnTsx, type TsxChild } from './spawn-tsx.ts';

/** `edge run` as a child process (`node --import tsx`), for tests that kill, restart or starve it. */
export interface EdgeRun extends TsxChild {
  /** Events it printed: each only once it was in the outbox. */
  printed: EdgeEvent[];
  /** The local API's URL, once it logged that it started. */
  api(): Promise<string>;
}

/** Polls `check` every 100 ms until it holds; throws `what()` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Writes `<dir>/<name>.yaml`: the vtest fixture config (its file source resolved), changed by
 * `edit` (broker, data folder, scenarios...). Returns its path.
 */
export function writeVtestConfig(dir: string, name: string, edit: (config: VtestConfig) => void): string {
  const config = parse(readFileSync('fixtures/configs/vtest.yaml', 'utf8')) as VtestConfig;
  const camera = config.cameras[0] as VtestConfig['cameras'][number];
  camera.source.url = path.resolve('fixtures/video/vtest.mp4');
  edit(config);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** The fixture config as plain data, loosely typed: tests change what they need. */
export interface VtestConfig {
  cameras: {
    source: { url: string; loop?: boolean };
    scenarios: Record<string, unknown>[];
    zones: { name: string; points: number[][] }[];
    [key: string]: unknown;
  }[];
  [key: string]: unknown;
}

export function runEdge(configFile: string): EdgeRun {
  const child = spawnTsx('apps/edge/main.ts', ['run', '-c', configFile, '--api-port', '0']);
  const printed: EdgeEvent[] = [];
  child.onLine((line) => {
    if (line.trim()) printed.push(EventSchema.parse(JSON.parse(line)));
  });
  const started = () =>
    child
      .stderr()
      .split('\n')
      .find((l) => l.includes('"edge node started"'));
  return {
    ...child,
    printed,
    api: async () => {
      await waitUntil(
        () => started() !== undefined || child.child.exitCode !== null,
        90_000,
        () => `the edge to start; stderr: ${child.stderr().slice(-2000)}`,
      );
      const line = started();
      if (!line) throw new Error(`the edge exited before it started: ${child.stderr().slice(-2000)}`);
      return (JSON.parse(line) as { api: string }).api;
    },
  };
}
