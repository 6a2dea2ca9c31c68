import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { registerEvidenceRoutes } from '../../cloud/http/evidence-routes.ts';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { PROCESSED_MARKER } from '../../edge/drone/flight-watcher.ts';
import { type RunningEdge, startEdge } from '../../edge/runtime/start-edge.ts';
import { type EdgeEvent, parseEvent } from '../../foundation/contract/events.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { CHANGED_CAMERAS } from './change-flight.ts';

const FLIGHT = 'fixtures/drone/flights/flight-2026-11-20-change';

async function until(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(100);
  }
}

describe('edge run with a drone section', () => {
  let work: string;
  let broker: TestBroker;
  let subscriber: MqttClient;
  let edge: RunningEdge | undefined;
  let cloud: FastifyInstance;
  let cloudUrl: string;
  const received: { topic: string; payload: unknown }[] = [];
  const printed: EdgeEvent[] = [];
  const edgeId = `drone-run-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'edge-run-flights-'));
    broker = await startMosquitto();
    subscriber = connect(broker.url, { protocolVersion: 5, clientId: `${edgeId}-cloud` });
    subscriber.on('message', (topic, payload) =>
      received.push({ topic, payload: JSON.parse(payload.toString()) }),
    );
    await subscriber.subscribeAsync(`edges/${edgeId}/events/#`, { qos: 1 });

    cloud = Fastify({ forceCloseConnections: true });
    await registerEvidenceRoutes(cloud, {
      store: await DiskEvidenceStore.open(path.join(work, 'cloud-evidence')),
      authorizeUpload: async () => {},
      authorizeRead: async () => {},
    });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    cloudUrl = `http://127.0.0.1:${(cloud.server.address() as AddressInfo).port}`;

    // The config lies beside the areas it names: every drone path in it is relative.
    await cp('fixtures/drone/areas', path.join(work, 'site/areas'), { recursive: true });
    await cp('fixtures/drone/permitted-structures.geojson', path.join(work, 'site/permits.geojson'));
    const area = (id: string) => ({ id, baseline: `areas/${id}/baseline`, permitted: 'permits.geojson' });
    const configFile = path.join(work, 'site/edge.yaml');
    await writeFile(
      configFile,
      stringify({
        edgeId,
        // A camera that never answers: this box's analysis stays idle while flights are compared.
        cameras: [{ id: 'gate', source: { url: 'rtsp://127.0.0.1:9/none' } }],
        mqtt: { url: broker.url },
        dataDir: 'data',
        evidence: { clips: { enabled: false }, upload: { url: cloudUrl } },
        live: { enabled: false },
        drone: {
          areas: [area('liwan-aero1'), area('liwan-aero3')],
          inbox: 'inbox',
          settleSeconds: 0.3,
          pollSeconds: 0.2,
        },
      }),
    );
    const config = await loadEdgeConfig(configFile);
    expect(config.drone?.inbox).toBe(path.join(work, 'site/inbox'));
    expect(config.drone?.areas[0]?.baseline).toBe(path.join(work, 'site/areas/liwan-aero1/baseline'));
    edge = await startEdge(config, {
      logger: pino({ level: 'silent' }),
      apiPort: 0,
      onEvent: (event) => printed.push(event),
    });
  }, 120_000);

  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await subscriber?.endAsync();
    await broker?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('delivers a dropped-in flight over MQTT with its outline, and evidence that the local API serves and uploads', async () => {
    const flightDir = path.join(work, 'site/inbox/flight-1');
    await cp(FLIGHT, flightDir, { recursive: true });
    await until(
      () => received.length >= 6,
      120_000,
      () => `6 events on MQTT, got ${received.length}`,
    );
    await sleep(500);
    expect(received).toHaveLength(6);
    const events = received.map(({ topic, payload }) => {
      expect(topic).toBe(`edges/${edgeId}/events/illegal_structure`);
      const parsed = parseEvent(payload);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.event;
    });
    expect(events.map((e) => e.cameraId).sort()).toEqual(CHANGED_CAMERAS);
    expect(printed.map((e) => e.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());

    const apiUrl = edge?.apiUrl as string;
    for (const event of events) {
      expect(event.type).toBe('illegal_structure');
      expect(event.edgeId).toBe(edgeId);
      expect(event.geometry?.image.length).toBeGreaterThanOrEqual(3);
      expect(event.geometry?.geo?.coordinates[0]?.length).toBeGreaterThanOrEqual(4);
      const { before, snapshot, snapshotAnnotated } = event.evidence;
      for (const file of [before, snapshot, snapshotAnnotated]) {
        if (!file) throw new Error(`${event.eventId}: evidence missing`);
        const response = await fetch(`${apiUrl}/evidence/${file.sha256}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/jpeg');
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(bytes.length).toBe(file.size);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      }
    }
    const uploaded = async (sha256: string) =>
      (await fetch(`${cloudUrl}${evidencePath(sha256)}`)).status === 200;
    expect(await uploaded('0'.repeat(64))).toBe(false);
    const hashes = events.flatMap((e) => [
      e.evidence.before,
      e.evidence.snapshot,
      e.evidence.snapshotAnnotated,
    ]);
    const deadline = Date.now() + 60_000;
    for (const file of hashes) {
      while (!(await uploaded(file?.sha256 ?? ''))) {
        if (Date.now() > deadline) throw new Error(`evidence ${file?.sha256} never reached the cloud`);
        await sleep(200);
      }
    }
    const marker = JSON.parse(await readFile(path.join(flightDir, PROCESSED_MARKER), 'utf8'));
    expect(marker).toMatchObject({ flight: 'flight-1', events: 6 });
  }, 150_000);

  it('mounts the flight upload routes on the local API', async () => {
    const apiUrl = edge?.apiUrl as string;
    const image = await readFile(`${FLIGHT}/DJI_0002.jpg`);
    const put = await fetch(`${apiUrl}/flights/upload-1/images/DJI_0002.jpg`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: image,
    });
    expect(put.status).toBe(201);
    expect(await readFile(path.join(work, 'site/data/flight-uploads/upload-1/DJI_0002.jpg'))).toEqual(image);
    const missing = await fetch(`${apiUrl}/flights/none/process`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('FLIGHT_NOT_FOUND');
  });
});
