import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import { MODELS_DIR } from '../../edge/detect/model-manifest.ts';
import { assignedAlias } from '../../edge/models-sync/assigned-models.ts';
import type { EdgeStatus } from '../../foundation/contract/edge-status.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { startFixtureCloudOnPostgres } from '../cloud/support/fixture-cloud.ts';
import { token } from '../cloud/support/fixtures.ts';
import { type EdgeRun, runEdge, waitUntil } from '../support/edge-process.ts';
import { sha256 } from './model-store.ts';

// A real cloud (PostgreSQL, embedded broker) and a real managed `edge run` on the vtest fixture,
// watching a zone around the traffic cone the detector calls a "person" in every frame. The
// vtest person verifier (models/vtest-person-verifier) rejects it: assigned in shadow mode it
// judges the cone on the events' frames and changes nothing; promoted, it drops the cone.
const EDGE = 'lingnan-hub';
const CAMERA = 'cone-cam';
/** Around the cone at [161, 187, 180, 208] of 768×576. */
const CONE_ZONE = [
  [0.17, 0.27],
  [0.28, 0.27],
  [0.28, 0.42],
  [0.17, 0.42],
];
const CONE_BOX = [161 / 768, 187 / 576, 180 / 768, 208 / 576];

async function verifierModel(version: string) {
  const dir = path.join(MODELS_DIR, 'vtest-person-verifier');
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const file = await readFile(path.join(dir, manifest.file));
  const manifestBytes = Buffer.from(JSON.stringify({ ...manifest, version }, null, 2));
  return { name: manifest.name as string, version, file, manifestBytes, fileSha256: sha256(file) };
}

const onCone = (box: readonly number[]) => {
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = box;
  const [cx1 = 0, cy1 = 0, cx2 = 0, cy2 = 0] = CONE_BOX;
  const w = Math.max(0, Math.min(x2, cx2) - Math.max(x1, cx1));
  const h = Math.max(0, Math.min(y2, cy2) - Math.max(y1, cy1));
  const inter = w * h;
  return inter / ((x2 - x1) * (y2 - y1) + (cx2 - cx1) * (cy2 - cy1) - inter) >= 0.5;
};
const coneObjects = (event: EdgeEvent) => event.objects.filter((o) => o.label === 'person' && onCone(o.box));

describe('models assigned from the cloud run on a managed edge: shadow, promotion, a tampered file', () => {
  let cloud: RunningCloud;
  let stopCloud: (() => Promise<void>) | undefined;
  let work: string;
  let edge: EdgeRun | undefined;
  let watcher: MqttClient;
  let status: EdgeStatus | undefined;
  const supervisor = { authorization: `Bearer ${token('supervisor')}` };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'shadow-e2e-'));
    ({ cloud, stop: stopCloud } = await startFixtureCloudOnPostgres(path.join(work, 'cloud-evidence'), {
      ui: false,
    }));
    watcher = connect(cloud.mqttUrl, { protocolVersion: 4 });
    watcher.on('message', (_topic, payload) => {
      status = JSON.parse(payload.toString('utf8')) as EdgeStatus;
    });
    await watcher.subscribeAsync(topics.status(EDGE));
  }, 60_000);

  afterAll(async () => {
    edge?.child.kill('SIGKILL');
    await watcher?.endAsync();
    await stopCloud?.();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, body?: Buffer | object, type = 'application/json') => {
    const response = await fetch(`${cloud.url}/api/v1${url}`, {
      method,
      headers: { ...supervisor, ...(body ? { 'content-type': type } : {}) },
      ...(body ? { body: Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    expect(response.status, `${method} ${url}: ${text}`).toBe(200);
    return JSON.parse(text) as unknown;
  };
  const uploadModel = async (model: Awaited<ReturnType<typeof verifierModel>>) => {
    await call('PUT', `/model-files/${model.fileSha256}`, model.file, 'application/octet-stream');
    await call('PUT', `/models/${model.name}/${model.version}`, model.manifestBytes);
  };
  const cameras = [{ edgeId: EDGE, cameraId: CAMERA }];
  const runs = (name: string, version: string, mode: string) =>
    status?.models?.some((m) => m.name === name && m.version === version && m.mode === mode) ?? false;

  it('runs a shadow verifier beside the camera, then promoted in its place; refuses a tampered file', async () => {
    const v1 = await verifierModel('1');
    await uploadModel(v1);
    await call('PUT', `/models/${v1.name}/1/assignments`, { cameras, mode: 'shadow' });

    const configFile = path.join(work, 'edge.yaml');
    await writeFile(
      configFile,
      stringify({
        edgeId: EDGE,
        fleet: { managed: true, modelsPollSeconds: 1 },
        cameras: [
          {
            id: CAMERA,
            source: { url: path.resolve('fixtures/video/vtest.mp4'), loop: true },
            fps: 2,
            tracker: { newTrackScore: 0.3, highScore: 0.3 },
            zones: [{ name: 'cone', points: CONE_ZONE, filters: { labels: ['person'], minScore: 0.3 } }],
            scenarios: [
              {
                type: 'loitering',
                zone: 'cone',
                labels: ['person'],
                minDwellSeconds: 1,
                clearSeconds: 2,
                minUpdateSeconds: 2,
              },
            ],
          },
        ],
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
    edge = runEdge(configFile);
    const run = edge;
    await run.api();

    // Shadow: the verdicts travel with the events, the cone stays in them (nothing changed).
    await waitUntil(
      () => runs(v1.name, '1', 'shadow'),
      60_000,
      () => `status models ${JSON.stringify(status?.models)}`,
    );
    await waitUntil(
      () =>
        run.printed.some((e) => e.shadow?.some((s) => s.model.name === v1.name) && coneObjects(e).length > 0),
      90_000,
      () => `an event with the cone and a shadow verdict; printed ${run.printed.length}`,
    );
    const shadowed = run.printed.find((e) => e.shadow && coneObjects(e).length > 0) as EdgeEvent;
    const verdict = shadowed.shadow?.[0];
    expect(verdict?.model).toMatchObject({ name: v1.name, version: '1', sha256: v1.fileSha256 });
    const coneIndex = shadowed.objects.findIndex((o) => o.label === 'person' && onCone(o.box));
    expect(verdict?.verdicts?.find((v) => v.index === coneIndex)?.accept).toBe(false);
    expect(runs(v1.name, '1', 'active')).toBe(false);

    // Promoted: the verifier runs on the camera and the cone is dropped before tracking.
    await call('POST', `/models/${v1.name}/1/promote`, { cameras });
    await waitUntil(
      () => runs(v1.name, '1', 'active'),
      60_000,
      () => `v1 active: ${JSON.stringify(status?.models)}`,
    );
    const promotedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const after = run.printed.filter(
      (e) => e.phase !== 'end' && Date.parse(e.observedAt) > promotedAt + 1000,
    );
    expect(after.filter((e) => coneObjects(e).length > 0)).toEqual([]);
    expect(status?.models?.find((m) => m.name === v1.name)?.alias).toBe(assignedAlias(v1));

    // A tampered version 2 is refused; version 1 keeps running.
    const v2 = await verifierModel('2');
    await uploadModel(v2);
    const tampered = Buffer.from(v2.file);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    await cloud.db.query('UPDATE model_files SET bytes = $1 WHERE sha256 = $2', [tampered, v2.fileSha256]);
    await call('PUT', `/models/${v1.name}/2/assignments`, { cameras, mode: 'active' });
    await waitUntil(
      () => run.stderr().includes('MODEL_DOWNLOAD_MISMATCH'),
      30_000,
      () => 'the edge to refuse version 2',
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(runs(v1.name, '1', 'active')).toBe(true);
    expect(runs(v1.name, '2', 'active')).toBe(false);
  }, 300_000);
});
