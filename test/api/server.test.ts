import { Writable } from 'node:stream';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  ApiSource,
  CameraStatusView,
  DeliveryStatsView,
  EvidenceStatsView,
  LatestFrame,
} from '../../edge/api/api-source.ts';
import { type ApiServer, createApiServer } from '../../edge/api/server.ts';
import type { SchedulerStats } from '../../edge/detect/inference-scheduler.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';

const T0 = Date.parse('2026-11-21T08:00:00Z');

function camera(id: string, state: CameraStatusView['state'], framesAnalysed: number): CameraStatusView {
  return {
    id,
    name: `Camera ${id}`,
    state,
    fps: 5,
    counters: {
      framesDecoded: framesAnalysed + 30,
      framesAnalysed,
      framesSkippedByMotion: 20,
      framesDropped: 10,
      reconnects: 2,
      lastFrameTime: state === 'live' ? T0 + 1500 : null,
      lastInferenceMs: 42,
      eventsRaised: 3,
    },
    lastError: null,
  };
}

function event(sequence: number): EdgeEvent {
  const at = new Date(T0 + sequence * 1000).toISOString();
  return {
    schemaVersion: 1,
    eventId: `edge-1:gate:loiter:${sequence}`,
    incidentId: 'edge-1:gate:loiter',
    sequence,
    type: 'loitering',
    phase: sequence === 0 ? 'start' : 'update',
    edgeId: 'edge-1',
    cameraId: 'gate',
    scenario: 'loiter',
    startedAt: new Date(T0).toISOString(),
    observedAt: at,
    confidence: 0.8,
    objectCount: 0,
    objects: [],
    model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 416, height: 416 },
    evidence: {},
  };
}

function schedulerStats(superseded: number): SchedulerStats {
  const source = {
    completed: 90,
    superseded,
    failed: 1,
    cancelled: 0,
    waiting: false,
    running: false,
    lastWaitMs: 12,
    meanWaitMs: 8,
    lastRunMs: 30,
    meanRunMs: 25,
  };
  return {
    sources: [
      { sourceId: 'gate', submitted: 100, ...source },
      // An odd id, to exercise label escaping: backslash, quote, line feed.
      { sourceId: 'odd\\"id\nx', submitted: 100, ...source },
    ],
    totals: {
      submitted: 200,
      completed: 180,
      superseded: superseded * 2,
      failed: 2,
      cancelled: 0,
      batches: 150,
      meanBatchSize: 1.2,
      meanWaitMs: 8,
      meanRunMs: 25,
    },
  };
}

/** A hand-written source: plain mutable state the tests change between requests. */
class FakeSource implements ApiSource {
  edgeId = 'edge-1';
  startedAt = T0;
  cams: CameraStatusView[] = [];
  frames = new Map<string, LatestFrame>();
  events: EdgeEvent[] = [];
  limitsAsked: number[] = [];
  deliveryStats: DeliveryStatsView | undefined;
  evidenceStats: EvidenceStatsView | undefined;

  cameras(): CameraStatusView[] {
    return this.cams.map((c) => ({ ...c, counters: { ...c.counters } }));
  }
  latestFrame(cameraId: string): LatestFrame | undefined {
    return this.frames.get(cameraId);
  }
  recentEvents(limit: number): EdgeEvent[] {
    this.limitsAsked.push(limit);
    return this.events.slice(-limit).reverse();
  }
  models(): Record<string, SchedulerStats> {
    return { detector: schedulerStats(5) };
  }
  delivery(): DeliveryStatsView | undefined {
    return this.deliveryStats;
  }
  evidence(): EvidenceStatsView | undefined {
    return this.evidenceStats;
  }
}

// --- a small Prometheus text parser, enough to check the format -------------------------------

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseExposition(text: string) {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name = '', rest = ''] = comment;
      (kind === 'HELP' ? help : type).set(name, rest);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) {
      problems.push(`unparsable line: ${JSON.stringify(line)}`);
      continue;
    }
    const [, name = '', labelText = '', value = ''] = sample;
    if (!type.has(name)) problems.push(`${name}: sample before its TYPE line`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let m = labelRe.exec(labelText); m !== null; m = labelRe.exec(labelText)) {
      labels[m[1] ?? ''] = unescapeLabel(m[2] ?? '');
      consumed = labelRe.lastIndex;
    }
    if (consumed !== labelText.length) problems.push(`bad labels: ${labelText}`);
    samples.push({ name, labels, value: Number(value) });
  }
  return { help, type, samples, problems };
}

function sampleValue(
  samples: ParsedSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

// ------------------------------------------------------------------------------------------------

describe('local API server', () => {
  const source = new FakeSource();
  let clock = T0 + 65_000;
  let server: ApiServer;
  let base: string;
  let bound: { host: string; port: number };

  const get = (path: string) => fetch(`${base}${path}`);

  beforeAll(async () => {
    source.cams = [camera('gate', 'live', 100), camera('yard', 'backing_off', 7)];
    server = createApiServer(source, { port: 0, now: () => clock });
    const address = await server.listen();
    base = address.url;
    bound = address;
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    source.cams = [camera('gate', 'live', 100), camera('yard', 'backing_off', 7)];
    source.frames.clear();
    source.events = [];
    source.limitsAsked = [];
    source.deliveryStats = undefined;
    source.evidenceStats = undefined;
  });

  it('binds to 127.0.0.1 by default', () => {
    expect(bound.host).toBe('127.0.0.1');
    expect(bound.port).toBeGreaterThan(0);
  });

  describe('GET /health', () => {
    it('is ok while a camera is live', async () => {
      const response = await get('/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ok',
        edgeId: 'edge-1',
        uptimeSeconds: 65,
        cameras: { live: 1, total: 2 },
      });
    });

    it('is 503 degraded with the same body when no camera is live', async () => {
      source.cams = [camera('gate', 'stalled', 100), camera('yard', 'backing_off', 7)];
      const response = await get('/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'degraded',
        edgeId: 'edge-1',
        uptimeSeconds: 65,
        cameras: { live: 0, total: 2 },
      });
    });

    it('is degraded with no cameras at all', async () => {
      source.cams = [];
      const response = await get('/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'degraded', cameras: { live: 0, total: 0 } });
    });
  });

  describe('GET /metrics', () => {
    it('serves Prometheus text 0.0.4 in which every metric has HELP and TYPE', async () => {
      source.deliveryStats = {
        outboxDepth: 4,
        published: 120,
        acked: 116,
        publishLatencyMs: { p50: 15, p99: 240 },
        connected: true,
        dropped: 2,
      };
      source.evidenceStats = {
        snapshots: 9,
        clips: 3,
        clipFailures: 1,
        upload: { pending: 2, pendingBytes: 5_000_000, uploaded: 17, uploadedBytes: 9_000_000, failures: 4 },
      };
      source.cams[0] = {
        ...(source.cams[0] as CameraStatusView),
        recording: {
          state: 'recording',
          segments: 30,
          bytes: 12_000_000,
          bufferedSeconds: 60,
          restarts: 1,
          lastError: null,
        },
      };
      const response = await get('/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await response.text();
      expect(text.endsWith('\n')).toBe(true);
      const { help, type, samples, problems } = parseExposition(text);
      expect(problems).toEqual([]);
      expect(samples.length).toBeGreaterThan(40);
      for (const name of new Set(samples.map((s) => s.name))) {
        expect(name.startsWith('edge_'), name).toBe(true);
        expect(help.get(name), `HELP of ${name}`).toBeTruthy();
        expect(['counter', 'gauge'], `TYPE of ${name}`).toContain(type.get(name));
        if (type.get(name) === 'counter') expect(name.endsWith('_total'), name).toBe(true);
      }
      expect(text).toContain('edge_camera_frames_decoded_total{camera="gate"} 130\n');
      expect(text).toContain('# TYPE edge_camera_frames_decoded_total counter\n');
      expect(text).toContain('edge_camera_up{camera="gate"} 1\nedge_camera_up{camera="yard"} 0\n');
      expect(sampleValue(samples, 'edge_info', { edge_id: 'edge-1' })).toBe(1);
      expect(sampleValue(samples, 'edge_uptime_seconds')).toBe(65);
      expect(sampleValue(samples, 'edge_camera_state', { camera: 'yard', state: 'backing_off' })).toBe(1);
      expect(sampleValue(samples, 'edge_camera_state', { camera: 'yard', state: 'live' })).toBe(0);
      expect(sampleValue(samples, 'edge_camera_frames_analysed_total', { camera: 'yard' })).toBe(7);
      expect(sampleValue(samples, 'edge_camera_frames_skipped_by_motion_total', { camera: 'gate' })).toBe(20);
      expect(sampleValue(samples, 'edge_camera_frames_dropped_total', { camera: 'gate' })).toBe(10);
      expect(sampleValue(samples, 'edge_camera_reconnects_total', { camera: 'gate' })).toBe(2);
      expect(sampleValue(samples, 'edge_camera_events_raised_total', { camera: 'gate' })).toBe(3);
      expect(sampleValue(samples, 'edge_camera_last_inference_seconds', { camera: 'gate' })).toBe(0.042);
      expect(sampleValue(samples, 'edge_camera_last_frame_timestamp_seconds', { camera: 'gate' })).toBe(
        (T0 + 1500) / 1000,
      );
      // No frame yet: no sample rather than a made-up 0.
      expect(
        sampleValue(samples, 'edge_camera_last_frame_timestamp_seconds', { camera: 'yard' }),
      ).toBeUndefined();
      expect(sampleValue(samples, 'edge_model_jobs_superseded_total', { model: 'detector' })).toBe(10);
      expect(sampleValue(samples, 'edge_model_mean_queue_wait_seconds', { model: 'detector' })).toBe(0.008);
      expect(sampleValue(samples, 'edge_model_mean_run_seconds', { model: 'detector' })).toBe(0.025);
      expect(
        sampleValue(samples, 'edge_model_source_last_queue_wait_seconds', {
          model: 'detector',
          source: 'gate',
        }),
      ).toBe(0.012);
      expect(sampleValue(samples, 'edge_delivery_outbox_depth')).toBe(4);
      expect(sampleValue(samples, 'edge_delivery_published_total')).toBe(120);
      expect(sampleValue(samples, 'edge_delivery_acked_total')).toBe(116);
      expect(sampleValue(samples, 'edge_delivery_connected')).toBe(1);
      expect(sampleValue(samples, 'edge_delivery_publish_latency_p99_seconds')).toBe(0.24);
      expect(sampleValue(samples, 'edge_delivery_outbox_dropped_total')).toBe(2);
      expect(sampleValue(samples, 'edge_evidence_clip_failures_total')).toBe(1);
      expect(sampleValue(samples, 'edge_evidence_upload_pending_bytes')).toBe(5_000_000);
      expect(sampleValue(samples, 'edge_camera_recording_buffer_seconds', { camera: 'gate' })).toBe(60);
      expect(sampleValue(samples, 'edge_camera_recording_up', { camera: 'yard' })).toBeUndefined();
    });

    it('escapes label values', async () => {
      const text = await (await get('/metrics')).text();
      expect(text).toContain(
        'edge_model_source_superseded_total{model="detector",source="odd\\\\\\"id\\nx"} 5\n',
      );
      const { samples } = parseExposition(text);
      expect(
        sampleValue(samples, 'edge_model_source_superseded_total', {
          model: 'detector',
          source: 'odd\\"id\nx',
        }),
      ).toBe(5);
    });

    it('leaves delivery out until there is one', async () => {
      const text = await (await get('/metrics')).text();
      expect(text).not.toContain('edge_delivery_');
    });

    it('reports analysed fps over the window', async () => {
      // Settle a sample at the current time, then 2 s later 10 more frames analysed: 5 fps.
      await get('/metrics');
      clock += 2000;
      source.cams = [camera('gate', 'live', 110), camera('yard', 'backing_off', 7)];
      const { samples } = parseExposition(await (await get('/metrics')).text());
      expect(sampleValue(samples, 'edge_camera_analysed_fps', { camera: 'gate' })).toBeCloseTo(5, 5);
      expect(sampleValue(samples, 'edge_camera_analysed_fps', { camera: 'yard' })).toBe(0);
      const cameras = (await (await get('/cameras')).json()) as { id: string; analysedFps: number }[];
      expect(cameras.find((c) => c.id === 'gate')?.analysedFps).toBeCloseTo(5, 3);
    });
  });

  describe('GET /cameras', () => {
    it('lists every camera with its state and counters', async () => {
      const response = await get('/cameras');
      expect(response.status).toBe(200);
      const body = (await response.json()) as (CameraStatusView & { analysedFps: number })[];
      expect(body.map((c) => c.id)).toEqual(['gate', 'yard']);
      expect(body[0]).toMatchObject({
        id: 'gate',
        name: 'Camera gate',
        state: 'live',
        fps: 5,
        counters: { framesDecoded: 130, framesDropped: 10, reconnects: 2, lastInferenceMs: 42 },
      });
      expect(typeof body[0]?.analysedFps).toBe('number');
    });

    it('gives one camera by id', async () => {
      const response = await get('/cameras/yard');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: 'yard',
        state: 'backing_off',
        counters: { framesAnalysed: 7 },
      });
    });

    it('answers 404 naming the id and the known ids', async () => {
      const response = await get('/cameras/nope');
      expect(response.status).toBe(404);
      const body = (await response.json()) as {
        error: { code: string; message: string; knownCameraIds: string[] };
      };
      expect(body.error.code).toBe('CAMERA_NOT_FOUND');
      expect(body.error.message).toContain('"nope"');
      expect(body.error.message).toContain('gate, yard');
      expect(body.error.knownCameraIds).toEqual(['gate', 'yard']);
    });
  });

  describe('GET /cameras/:id/latest.jpg', () => {
    it('encodes the latest frame as a JPEG of the frame size', async () => {
      const width = 64;
      const height = 48;
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i += 3) {
        data[i] = 200;
        data[i + 1] = 40;
        data[i + 2] = 90;
      }
      source.frames.set('gate', { data, width, height, time: T0 + 1500 });
      const response = await get('/cameras/gate/latest.jpg');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('x-frame-time')).toBe(new Date(T0 + 1500).toISOString());
      const jpeg = Buffer.from(await response.arrayBuffer());
      const metadata = await sharp(jpeg).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width, height });
      const { data: pixels } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      const [r = 0, g = 0, b = 0] = pixels;
      expect(Math.abs(r - 200)).toBeLessThan(8);
      expect(Math.abs(g - 40)).toBeLessThan(8);
      expect(Math.abs(b - 90)).toBeLessThan(8);
    });

    it('answers 404 for an unknown camera', async () => {
      const response = await get('/cameras/nope/latest.jpg');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'CAMERA_NOT_FOUND', cameraId: 'nope' } });
    });

    it('answers 503 before the first frame', async () => {
      const response = await get('/cameras/yard/latest.jpg');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('FRAME_NOT_YET');
      expect(body.error.message).toContain('"yard"');
    });

    it('answers 500 JSON for a frame whose size does not match its data', async () => {
      source.frames.set('gate', { data: new Uint8Array(10), width: 64, height: 48, time: T0 });
      const response = await get('/cameras/gate/latest.jpg');
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: { code: 'INTERNAL' } });
    });
  });

  describe('GET /events', () => {
    it('gives the 50 most recent events, newest first, by default', async () => {
      source.events = Array.from({ length: 60 }, (_, i) => event(i));
      const response = await get('/events');
      expect(response.status).toBe(200);
      const body = (await response.json()) as EdgeEvent[];
      expect(source.limitsAsked).toEqual([50]);
      expect(body).toHaveLength(50);
      expect(body[0]?.sequence).toBe(59);
      expect(body.at(-1)?.sequence).toBe(10);
    });

    it('takes a limit', async () => {
      source.events = Array.from({ length: 5 }, (_, i) => event(i));
      const body = (await (await get('/events?limit=2')).json()) as EdgeEvent[];
      expect(body.map((e) => e.sequence)).toEqual([4, 3]);
      expect((await (await get('/events?limit=1000')).json()) as EdgeEvent[]).toHaveLength(5);
    });

    it.each(['0', '1001', 'abc', '1.5', '-3', '', '1e2'])(
      'refuses limit=%j with 400 naming it',
      async (limit) => {
        const response = await get(`/events?limit=${encodeURIComponent(limit)}`);
        expect(response.status).toBe(400);
        const body = (await response.json()) as {
          error: { code: string; message: string; parameter: string };
        };
        expect(body.error.code).toBe('QUERY_INVALID');
        expect(body.error.parameter).toBe('limit');
        expect(body.error.message).toMatch(/^query parameter limit must be .*, got "/);
        expect(source.limitsAsked).toEqual([]);
      },
    );

    it('refuses a repeated limit', async () => {
      const response = await get('/events?limit=1&limit=2');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { parameter: 'limit' } });
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['GET', '/nope'],
      ['POST', '/health'],
      ['GET', '/cameras/gate/latest.png'],
    ])('%s %s answers 404 JSON', async (method, path) => {
      const response = await fetch(`${base}${path}`, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string; routes: string[] } };
      expect(body.error.code).toBe('ROUTE_NOT_FOUND');
      expect(body.error.message).toBe(`no route ${method} ${path}`);
      expect(body.error.routes).toContain('GET /health');
    });
  });
});

describe('local API server with a pino logger', () => {
  it('logs requests and failures to the given logger', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const source = new FakeSource();
    source.cams = [camera('gate', 'live', 1)];
    source.frames.set('gate', { data: new Uint8Array(3), width: 2, height: 2, time: T0 });
    const server = createApiServer(source, {
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'info' }, stream),
    });
    const { url } = await server.listen();
    try {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/cameras/gate/latest.jpg`)).status).toBe(500);
    } finally {
      await server.close();
    }
    const records = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
    expect(records.some((r) => r.msg === 'request completed')).toBe(true);
    const failure = records.find((r) => r.msg === 'API request failed');
    expect(failure?.err?.message).toContain('not 2x2x3 = 12');
  });

  it('survives a source that throws: 500 JSON, and the sampling timer only logs', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const source = new FakeSource();
    source.cameras = () => {
      throw new Error('camera table unavailable');
    };
    const server = createApiServer(source, { port: 0, logger: pino({ level: 'info' }, stream) });
    const { url } = await server.listen();
    try {
      const response = await fetch(`${url}/cameras`);
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        error: { code: 'INTERNAL', message: 'camera table unavailable' },
      });
      await new Promise((resolve) => setTimeout(resolve, 1200));
    } finally {
      await server.close();
    }
    expect(lines.some((line) => line.includes('could not sample camera counters'))).toBe(true);
  });
});
