import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningCloud, startCloud } from '../../../cloud/app/start-cloud.ts';
import { loadCloudConfig } from '../../../cloud/config/load-cloud-config.ts';
import { type EdgeEvent, EventSchema, type EventType } from '../../../foundation/contract/events.ts';
import {
  evidencePath,
  UPLOAD_CHUNK_CONTENT_TYPE,
  UPLOAD_HEADERS,
} from '../../../foundation/contract/evidence-upload.ts';
import { topics } from '../../../foundation/contract/topics.ts';

export const ARTIFACTS = path.resolve('test-artifacts/ui');
/** The fixture config's test tokens: a user's or edge's token is its name + "-token". */
export const tokenOf = (name: string) => `${name}-token`;

/** The real cloud (embedded PGlite and aedes) on free ports over the fixture district. */
export async function startFixtureCloud(): Promise<RunningCloud & { dispose(): Promise<void> }> {
  const base = await loadCloudConfig(path.resolve('fixtures/cloud/cloud.yaml'));
  const evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'ui-evidence-'));
  const cloud = await startCloud(
    {
      ...base,
      api: { host: '127.0.0.1', port: 0 },
      mqtt: { ...base.mqtt, embeddedPort: 0 },
      evidence: { dir: evidenceDir },
    },
    { logger: false },
  );
  return {
    ...cloud,
    async dispose() {
      await cloud.stop();
      await rm(evidenceDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
}

/** Uploads a file as the edge would (one PATCH of the evidence contract); returns its sha256. */
export async function uploadEvidence(cloudUrl: string, edgeId: string, file: string): Promise<string> {
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const response = await fetch(`${cloudUrl}${evidencePath(sha256)}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${tokenOf(edgeId)}`,
      'content-type': UPLOAD_CHUNK_CONTENT_TYPE,
      [UPLOAD_HEADERS.offset]: '0',
      [UPLOAD_HEADERS.length]: String(bytes.length),
      [UPLOAD_HEADERS.evidenceContentType]: 'image/jpeg',
    },
    body: bytes,
  });
  if (response.status !== 200)
    throw new Error(`evidence upload: ${response.status} ${await response.text()}`);
  return sha256;
}

export interface EventSpec {
  edgeId: string;
  cameraId: string;
  type: EventType;
  key: string;
  startedAt: Date;
  confidence: number;
  snapshot?: { sha256: string; size: number };
}

/** A start event as an edge publishes it, checked against the contract's schema. */
export function startEvent(spec: EventSpec): EdgeEvent {
  const incidentId = `${spec.edgeId}:${spec.cameraId}:${spec.type}:${spec.key}`;
  return EventSchema.parse({
    schemaVersion: 1,
    eventId: `${incidentId}:0`,
    incidentId,
    sequence: 0,
    type: spec.type,
    phase: 'start',
    edgeId: spec.edgeId,
    cameraId: spec.cameraId,
    scenario: `${spec.type}_pavement`,
    zone: 'pavement',
    startedAt: spec.startedAt.toISOString(),
    observedAt: spec.startedAt.toISOString(),
    confidence: spec.confidence,
    objectCount: 2,
    objects: [
      { trackId: 1, label: 'person', score: 0.81, box: [0.44, 0.34, 0.49, 0.47] },
      { trackId: 2, label: 'person', score: 0.77, box: [0.5, 0.36, 0.55, 0.5] },
    ],
    model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 768, height: 576 },
    evidence: spec.snapshot
      ? {
          snapshot: { ...spec.snapshot, contentType: 'image/jpeg' },
          snapshotAnnotated: { ...spec.snapshot, contentType: 'image/jpeg' },
        }
      : {},
  });
}

/** mqtt.js against the cloud's embedded aedes broker (MQTT 3.1.1). */
export async function edgeClient(mqttUrl: string, edgeId: string): Promise<MqttClient> {
  return connectAsync(mqttUrl, { protocolVersion: 4, clientId: `ui-test-${edgeId}`, reconnectPeriod: 0 });
}

export async function publishEvent(client: MqttClient, event: EdgeEvent): Promise<void> {
  await client.publishAsync(topics.event(event.edgeId, event.type), JSON.stringify(event), { qos: 1 });
}

/** Signs in through the login form, as a user types a token. */
export async function signIn(page: Page, cloudUrl: string, user: string): Promise<void> {
  await page.goto(`${cloudUrl}/`);
  // A fresh tab's session: the previous user's token must not be there.
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.locator('#token').fill(tokenOf(user));
  await page.locator('form.login button[type=submit]').click();
  await page
    .locator('#who')
    .filter({ hasText: `(${user})` })
    .waitFor();
}
