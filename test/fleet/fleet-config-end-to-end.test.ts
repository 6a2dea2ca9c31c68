import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import type { AppliedConfig } from '../../foundation/contract/edge-status.ts';
import { startFixtureCloudOnPostgres } from '../cloud/support/fixture-cloud.ts';
import { token } from '../cloud/support/fixtures.ts';
import { type EdgeRun, runEdge, waitUntil } from '../support/edge-process.ts';

// A real cloud (embedded broker, PostgreSQL) and a real `edge run` process with two cameras on the
// vtest fixture, managed from the cloud: a saved configuration reaches the running edge through the
// retained notice and the HTTP pull, and applies without a restart.
const VIDEO = path.resolve('fixtures/video/vtest.mp4');
const EDGE = 'lingnan-hub';
const WHOLE = [
  [0, 0.3],
  [1, 0.3],
  [1, 1],
  [0, 1],
];

function camera(id: string, zone: string, minDwellSeconds: number) {
  return {
    id,
    source: { url: VIDEO, loop: true },
    fps: 2,
    zones: [{ name: zone, points: WHOLE, filters: { labels: ['person'] } }],
    scenarios: [{ type: 'loitering', zone, labels: ['person'], minDwellSeconds, clearSeconds: 2 }],
  };
}
const v1 = { cameras: [camera('ln-gate', 'road_a', 2), camera('ln-market', 'road_a', 2)] };
const v2 = { cameras: [camera('ln-gate', 'road_a', 2), camera('ln-market', 'road_b', 2)] };
const invalid = { cameras: [camera('ln-gate', 'road_a', 2), camera('ln-market', 'road_b', -1)] };
const v4 = { cameras: [camera('ln-gate', 'road_a', 2), camera('ln-market', 'road_c', 2)] };

interface CameraCounters {
  id: string;
  counters: { framesDecoded: number };
}

describe('fleet configuration from the cloud, applied by a running edge', () => {
  let cloud: RunningCloud;
  let stopCloud: (() => Promise<void>) | undefined;
  let work: string;
  let configFile: string;
  let edge: EdgeRun | undefined;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-'));
    ({ cloud, stop: stopCloud } = await startFixtureCloudOnPostgres(path.join(work, 'cloud-evidence'), {
      ui: false,
    }));
    // The box's own file: one camera of its own, which the cloud's configuration replaces.
    configFile = path.join(work, 'edge.yaml');
    await writeFile(
      configFile,
      stringify({
        edgeId: EDGE,
        fleet: { managed: true },
        cameras: [camera('local-only', 'road_a', 2)],
        mqtt: { url: cloud.mqttUrl, protocolVersion: 4 },
        dataDir: path.join(work, 'edge-data'),
        delivery: { heartbeatSeconds: 1 },
        live: { enabled: false },
        evidence: {
          clips: { enabled: false },
          upload: { url: `${cloud.url}/api/v1/evidence`, token: `${EDGE}-token` },
        },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    edge?.child.kill('SIGKILL');
    await stopCloud?.();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const put = async (config: object) => {
    const response = await fetch(`${cloud.url}/api/v1/edges/${EDGE}/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token('supervisor')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { version: number; savedAt: string };
  };
  const applied = async (): Promise<AppliedConfig | null> => {
    const response = await fetch(`${cloud.url}/api/v1/edges/${EDGE}/config`, {
      headers: { authorization: `Bearer ${token('admin')}` },
    });
    return ((await response.json()) as { applied: AppliedConfig | null }).applied;
  };
  const untilApplied = (check: (a: AppliedConfig | null) => boolean, what: string) =>
    waitUntil(
      async () => check(await applied()),
      90_000,
      () => what,
    );
  const counters = async (api: string) =>
    ((await (await fetch(`${api}/cameras`)).json()) as CameraCounters[]).reduce<Record<string, number>>(
      (all, c) => Object.assign(all, { [c.id]: c.counters.framesDecoded }),
      {},
    );

  it('applies a saved zone change to the changed camera only, measured from save to applied', async () => {
    await put(v1);
    edge = runEdge(configFile);
    const api = await edge.api();
    await untilApplied((a) => a?.source === 'cloud' && a.version === 1, 'version 1 to run');
    await waitUntil(
      async () => ((await counters(api))['ln-gate'] ?? 0) > 10,
      60_000,
      () => 'ln-gate to decode frames',
    );

    // Sampled all through the change: a camera whose source restarted starts counting from 0.
    const samples: Record<string, number>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await counters(api));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const saved = await put(v2);
    const savedAt = Date.now();
    await untilApplied((a) => a?.version === 2, 'version 2 to run');
    const applyMs = Date.now() - savedAt;
    const appliedWall = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    sampling = false;
    await sampler;
    console.log(`fleet config: saved v${saved.version} -> edge reported it applied after ${applyMs} ms`);

    const gate = samples.map((s) => s['ln-gate'] ?? -1);
    expect(gate.every((n, i) => i === 0 || n >= (gate[i - 1] as number))).toBe(true);
    expect(gate.at(-1)).toBeGreaterThan(gate[0] as number);
    const market = samples.map((s) => s['ln-market'] ?? -1);
    expect(market.some((n, i) => i > 0 && n < (market[i - 1] as number))).toBe(true);

    // The changed camera's next incidents are in its new zone.
    await waitUntil(
      () => edge?.printed.some((e) => e.cameraId === 'ln-market' && e.zone === 'road_b') ?? false,
      60_000,
      () => 'an event of ln-market in road_b',
    );
    const lateStarts = edge.printed.filter(
      (e) => e.cameraId === 'ln-market' && e.phase === 'start' && Date.parse(e.startedAt) > appliedWall,
    );
    expect(lateStarts.length).toBeGreaterThan(0);
    expect(lateStarts.every((e) => e.zone === 'road_b')).toBe(true);
  }, 240_000);

  it('refuses a configuration the edge finds invalid, naming the field, and keeps running the previous', async () => {
    const api = await (edge as EdgeRun).api();
    const before = await counters(api);
    await put(invalid);
    await untilApplied((a) => a?.refused?.version === 3, 'version 3 to be refused');
    const state = await applied();
    expect(state).toMatchObject({ source: 'cloud', version: 2 });
    expect(state?.refused?.error).toMatch(/cameras\[1\]\.scenarios\[0\]\.minDwellSeconds/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await counters(api);
    expect(after['ln-gate']).toBeGreaterThan(before['ln-gate'] as number);
    expect(after['ln-market']).toBeGreaterThan(before['ln-market'] as number);
  }, 120_000);

  it('converges after being offline during a save, starting from the version it applied last', async () => {
    const running = edge as EdgeRun;
    running.child.kill('SIGTERM');
    await running.exited;
    await put(v4);
    edge = runEdge(configFile);
    await edge.api();
    expect(edge.child.exitCode).toBeNull();
    await untilApplied((a) => a?.version === 4, 'version 4 to run after the restart');
    expect(edge.stderr()).toMatch(/runs the cloud configuration applied last/);
    edge.child.kill('SIGTERM');
    await edge.exited;
    edge = undefined;
  }, 180_000);
});
