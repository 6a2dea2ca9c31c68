import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import { spawnTsx } from '../support/spawn-tsx.ts';
import { runEdge } from './run-cli.ts';

const EDGE = 'apps/edge/main.ts';
const VIDEO = 'fixtures/video/vtest.mp4';
const CONFIG = 'fixtures/configs/vtest.yaml';
const START = '2026-11-21T08:00:00.000Z';

const parseLines = (text: string): EdgeEvent[] =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => EventSchema.parse(JSON.parse(line)));

describe('edge replay', () => {
  it('prints each event as one JSON line, in stream order, and a summary on stderr', async () => {
    const result = await runEdge(`replay ${VIDEO} -c ${CONFIG} --max-seconds 20 --start-time ${START}`);
    expect(result.stderr).toMatch(
      /replay: vtest 416x416: 101 frames \(\d+ analysed, \d+ skipped by the motion gate\), \d+ events/,
    );
    expect(result.code).toBe(0);
    const events = parseLines(result.stdout);
    const group = events.filter((e) => e.scenario === 'group_by_sign');
    expect(group[0]).toMatchObject({
      phase: 'start',
      type: 'loitering',
      cameraId: 'vtest',
      edgeId: 'edge-demo',
    });
    expect(group[0]?.startedAt).toBe('2026-11-21T08:00:07.000Z');
    // The video is cut at 20 s: every incident still open is ended.
    const open = new Set(events.filter((e) => e.phase === 'start').map((e) => e.incidentId));
    for (const id of open) expect(events.some((e) => e.incidentId === id && e.phase === 'end')).toBe(true);
    // Piped: no progress bar.
    expect(result.stderr).not.toMatch(/\[[█░]+\]/);
  });

  it('writes the events to --out and nothing to stdout', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'replay-')), 'events.jsonl');
    const result = await runEdge(
      `replay ${VIDEO} -c ${CONFIG} --max-seconds 10 -o ${out} --start-time ${START}`,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(parseLines(readFileSync(out, 'utf8')).map((e) => `${e.scenario}/${e.phase}`)).toContain(
      'group_by_sign/start',
    );
  });

  it('refuses a config with a bad zone, naming the field, before reading any video', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(
      config,
      [
        'edgeId: e1',
        'cameras:',
        '  - id: cam',
        '    source: { url: x.mp4 }',
        '    zones:',
        '      - { name: z, points: [[0, 0], [1, 1]] }',
      ].join('\n'),
    );
    const result = await runEdge(`replay ${VIDEO} -c ${config}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cameras[0].zones[0].points: need at least 3 points');
    expect(result.stdout).toBe('');
  });

  it('says which file is missing', async () => {
    const result = await runEdge(`replay no/such/video.mp4 -c ${CONFIG}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no/such/video.mp4');
  });
});

describe('edge run', () => {
  it('analyses the configured camera live, serves the local API, and ends open incidents on SIGINT', async () => {
    const edge = spawnTsx(EDGE, [
      ...['run', '-c', CONFIG, '--status-every', '2', '--api-port', '0'],
      ...['--data-dir', mkdtempSync(path.join(os.tmpdir(), 'edge-run-data-'))],
    ]);
    // The looping file plays at its own pace; the group by the sign is reported 7 s in.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no start event in 60 s; stderr: ${edge.stderr()}`)),
        60_000,
      );
      edge.onLine((line) => {
        if (line.includes('"phase":"start"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // The local API, on the port the node logged.
    const startLog = edge
      .stderr()
      .split('\n')
      .filter((line) => line.includes('edge node started'))
      .map((line) => JSON.parse(line) as { api: string })[0];
    const api = startLog?.api ?? '';
    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      edgeId: 'edge-demo',
      cameras: { live: 1, total: 1 },
    });
    const recent = (await (await fetch(`${api}/events?limit=5`)).json()) as EdgeEvent[];
    expect(recent.some((e) => e.phase === 'start')).toBe(true);
    const jpeg = await fetch(`${api}/cameras/vtest/latest.jpg`);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(await sharp(Buffer.from(await jpeg.arrayBuffer())).metadata()).toMatchObject({
      width: 416,
      height: 416,
    });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^edge_camera_frames_analysed_total\{camera="vtest"\} [1-9]\d*$/m);

    edge.child.kill('SIGINT');
    expect(await edge.exited).toBe(0);
    const events = parseLines(edge.stdout());
    const started = events.filter((e) => e.phase === 'start');
    expect(started.length).toBeGreaterThanOrEqual(1);
    for (const start of started) {
      expect(events.some((e) => e.incidentId === start.incidentId && e.phase === 'end')).toBe(true);
    }
    // Status lines (pino JSON on stderr) carry the camera's state and counters.
    const status = edge
      .stderr()
      .split('\n')
      .filter((line) => line.includes('camera status'))
      .map((line) => JSON.parse(line));
    expect(status.at(-1)).toMatchObject({ id: 'vtest', state: 'live' });
    expect(status.at(-1).analysis.framesAnalysed).toBeGreaterThan(10);
  }, 90_000);
});
