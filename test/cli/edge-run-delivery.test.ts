import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect, type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { registerEvidenceRoutes } from '../../cloud/http/evidence-routes.ts';
import { EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { spawnTsx, type TsxChild } from '../support/spawn-tsx.ts';

const VIDEO = path.resolve('fixtures/video/vtest.mp4');
const PRE_ROLL = 3;
const POST_ROLL = 3;

let broker: TestBroker;
let work: string;
let cloud: FastifyInstance;
let cloudUrl: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'edge-run-delivery-'));
  broker = await startMosquitto();
  cloud = Fastify({ forceCloseConnections: true });
  await registerEvidenceRoutes(cloud, {
    store: await DiskEvidenceStore.open(path.join(work, 'cloud-evidence')),
    authorizeUpload: async (request, reply) => {
      if (request.headers.authorization !== 'Bearer hub-token') await reply.code(401).send();
    },
    authorizeRead: async () => {},
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  cloudUrl = `http://127.0.0.1:${(cloud.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await cloud?.close();
  await broker?.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** The vtest fixture config, pointed at this test's broker, cloud and folders. */
function writeConfig(name: string, livePort: number): string {
  const config = parse(readFileSync('fixtures/configs/vtest.yaml', 'utf8'));
  config.cameras[0].source.url = VIDEO;
  config.mqtt = { url: broker.url };
  config.dataDir = path.join(work, `${name}-data`);
  config.delivery = { heartbeatSeconds: 1 };
  config.evidence = {
    clips: { preRollSeconds: PRE_ROLL, postRollSeconds: POST_ROLL, segmentSeconds: 2 },
    upload: { url: cloudUrl, token: 'hub-token', chunkKilobytes: 64 },
  };
  config.live = { basePort: livePort };
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

interface EdgeProcess extends TsxChild {
  /** Events as printed on stdout (each printed only once it is in the outbox). */
  printed: EdgeEvent[];
  apiUrl(): Promise<string>;
}

function startEdge(configFile: string): EdgeProcess {
  const edge = spawnTsx('apps/edge/main.ts', ['run', '-c', configFile, '--api-port', '0']);
  const printed: EdgeEvent[] = [];
  edge.onLine((line) => {
    if (line) printed.push(EventSchema.parse(JSON.parse(line)));
  });
  return {
    ...edge,
    printed,
    async apiUrl() {
      await until(
        () => edge.stderr().includes('edge node started'),
        60_000,
        () => `edge start; stderr: ${edge.stderr()}`,
      );
      const line = edge
        .stderr()
        .split('\n')
        .find((l) => l.includes('edge node started')) as string;
      return (JSON.parse(line) as { api: string }).api;
    },
  };
}

async function until(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(100);
  }
}

async function subscribe(
  topic: string,
  clientId: string,
): Promise<{ client: MqttClient; messages: { topic: string; payload: string }[] }> {
  const messages: { topic: string; payload: string }[] = [];
  const client = connect(broker.url, {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 600 },
    reconnectPeriod: 200,
  });
  client.on('message', (t, payload) => messages.push({ topic: t, payload: payload.toString() }));
  client.on('error', () => {});
  await new Promise((resolve) => client.once('connect', resolve));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('edge run: evidence and delivery end to end', () => {
  it('publishes events with snapshots and a clip covering pre- and post-roll, uploads them, and keeps a status', async () => {
    const sub = await subscribe('edges/edge-demo/#', 'test-evidence');
    const edge = startEdge(writeConfig('evidence', 9310));
    try {
      const api = await edge.apiUrl();
      // The standing group by the sign: starts 8.2 s into the video, ends 13.4 s in.
      const events = () =>
        sub.messages
          .filter((m) => m.topic.startsWith('edges/edge-demo/events/'))
          .map((m) => EventSchema.parse(JSON.parse(m.payload)));
      const endWithClip = () => events().find((e) => e.phase === 'end' && e.evidence.clip !== undefined);
      await until(
        () => endWithClip() !== undefined,
        90_000,
        () => `an end event with a clip; stderr: ${edge.stderr().slice(-2000)}`,
      );
      const end = endWithClip() as EdgeEvent;
      const start = events().find((e) => e.incidentId === end.incidentId && e.phase === 'start') as EdgeEvent;
      expect(start.evidence.snapshot).toBeDefined();
      expect(end.evidence.snapshot).toBeDefined();

      // The clip covers [start − pre-roll, end + post-roll] and plays: ffprobe reads its duration.
      const clip = end.evidence.clip as NonNullable<EdgeEvent['evidence']['clip']>;
      const wanted = {
        from: Date.parse(end.startedAt) - PRE_ROLL * 1000,
        to: Date.parse(end.endedAt as string) + POST_ROLL * 1000,
      };
      expect(Date.parse(clip.startsAt)).toBeLessThanOrEqual(wanted.from + 300);
      expect(Date.parse(clip.endsAt)).toBeGreaterThanOrEqual(wanted.to - 300);
      const clipBytes = Buffer.from(await (await fetch(`${api}/evidence/${clip.sha256}`)).arrayBuffer());
      expect(sha256(clipBytes)).toBe(clip.sha256);
      const clipFile = path.join(work, 'clip.mp4');
      writeFileSync(clipFile, clipBytes);
      const info = await probeVideo(clipFile);
      expect(info.codec).toBe('h264');
      expect(info.width).toBe(768);
      expect(info.durationSeconds).toBeGreaterThanOrEqual((wanted.to - wanted.from) / 1000 - 0.3);
      expect(info.durationSeconds).toBeLessThan((wanted.to - wanted.from) / 1000 + 10);

      // Snapshots: the camera's 4:3 at the analysed height; the annotated one has the boxes drawn.
      const snapshot = end.evidence.snapshot as NonNullable<EdgeEvent['evidence']['snapshot']>;
      const annotatedRef = end.evidence.snapshotAnnotated as NonNullable<EdgeEvent['evidence']['snapshot']>;
      const clean = Buffer.from(await (await fetch(`${api}/evidence/${snapshot.sha256}`)).arrayBuffer());
      const annotated = Buffer.from(
        await (await fetch(`${api}/evidence/${annotatedRef.sha256}`)).arrayBuffer(),
      );
      expect(await sharp(clean).metadata()).toMatchObject({ format: 'jpeg', width: 554, height: 416 });
      expect(annotated.equals(clean)).toBe(false);
      // Boxes, labels and the caption bar change thousands of pixels; JPEG noise changes few.
      const [cleanPixels, annotatedPixels] = await Promise.all(
        [clean, annotated].map((image) => sharp(image).raw().toBuffer()),
      );
      let changed = 0;
      const before = cleanPixels as Buffer;
      const after = annotatedPixels as Buffer;
      for (let i = 0; i < before.length; i++) {
        if (Math.abs((before[i] as number) - (after[i] as number)) > 60) changed++;
      }
      expect(changed).toBeGreaterThan(3000);

      // Everything the events name reaches the cloud, verified by hash.
      let metrics = '';
      await until(
        async () => {
          metrics = await (await fetch(`${api}/metrics`)).text();
          return (
            /^edge_evidence_upload_pending 0$/m.test(metrics) &&
            /^edge_evidence_uploaded_total [1-9]/m.test(metrics)
          );
        },
        30_000,
        () => `uploads to finish; metrics: ${metrics.match(/^edge_evidence_\w+ \S+$/gm)}`,
      );
      expect(metrics).toMatch(/^edge_delivery_outbox_depth 0$/m);
      expect(metrics).toMatch(/^edge_camera_recording_up\{camera="vtest"\} 1$/m);

      // The live view: the page's JSMpeg player draws the relayed camera.
      await expectLivePagePlays(`${api}/cameras/vtest/live`);
      for (const ref of [clip, snapshot, annotatedRef]) {
        const stored = Buffer.from(
          await (await fetch(`${cloudUrl}${evidencePath(ref.sha256)}`)).arrayBuffer(),
        );
        expect(sha256(stored)).toBe(ref.sha256);
      }

      // The retained status is online with the camera's health, refreshed by the heartbeat.
      const statuses = sub.messages
        .filter((m) => m.topic === 'edges/edge-demo/status')
        .map((m) => EdgeStatusSchema.parse(JSON.parse(m.payload)));
      expect(statuses.at(-1)).toMatchObject({
        state: 'online',
        edgeId: 'edge-demo',
        cameras: [{ id: 'vtest', state: 'live' }],
      });

      edge.child.kill('SIGINT');
      expect(await edge.exited).toBe(0);
      await until(
        () =>
          sub.messages.some((m) => m.topic === 'edges/edge-demo/status' && m.payload.includes('"stopped"')),
        10_000,
        () => 'the offline status of a clean stop',
      );
    } finally {
      edge.child.kill('SIGKILL');
      await sub.client.endAsync(true);
    }
  }, 180_000);

  it('loses nothing produced before a kill -9 while the broker was down: the restarted edge delivers it', async () => {
    const sub = await subscribe('edges/edge-demo/events/#', 'test-kill');
    const configFile = writeConfig('kill', 9320);
    await broker.stop();
    const first = startEdge(configFile);
    try {
      await until(
        () => first.printed.some((e) => e.phase === 'end'),
        90_000,
        () => `an end event; ${first.stderr().slice(-1500)}`,
      );
    } finally {
      first.child.kill('SIGKILL');
    }
    await first.exited;
    const producedBeforeKill = first.printed.map((e) => e.eventId);
    expect(producedBeforeKill.length).toBeGreaterThanOrEqual(3);

    await broker.start();
    const second = startEdge(configFile);
    try {
      const received = () => new Set(sub.messages.map((m) => (JSON.parse(m.payload) as EdgeEvent).eventId));
      await until(
        () => producedBeforeKill.every((id) => received().has(id)),
        60_000,
        () =>
          `every event printed before the kill; missing ${producedBeforeKill.filter((id) => !received().has(id))}`,
      );
      expect(second.stderr()).toMatch(
        /"pending":[1-9]\d*.*connected to broker|connected to broker.*"pending":[1-9]/,
      );
    } finally {
      second.child.kill('SIGINT');
      await second.exited;
      await sub.client.endAsync(true);
    }
  }, 180_000);
});

async function expectLivePagePlays(url: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const canvas = page.locator('canvas');
    await canvas.waitFor({ timeout: 10_000 });
    // The player draws with WebGL, so its pixels are read from a screenshot of the element.
    const deadline = Date.now() + 20_000;
    let spread = 0;
    while (Date.now() < deadline) {
      const { channels } = await sharp(await canvas.screenshot()).stats();
      spread = Math.max(...channels.map((c) => c.stdev));
      if (spread > 20) return;
      await sleep(500);
    }
    throw new Error(`the live page's canvas stays blank (pixel spread ${spread.toFixed(1)})`);
  } finally {
    await browser.close();
  }
}
