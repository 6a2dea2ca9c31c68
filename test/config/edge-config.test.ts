import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../edge/config/config-error.ts';
import { loadEdgeConfig, parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { formatPath } from '../../foundation/config/config-problem.ts';
import { camera, FULL } from './edge-config-helpers.ts';

describe('edge config: a valid file', () => {
  it('parses a full config and applies every default', () => {
    const config = parseEdgeConfig(FULL, 'full.yaml');
    expect(config.edgeId).toBe('edge-01');
    expect(config.timezone).toBe('Asia/Shanghai');
    expect(config.api).toEqual({ port: 8088, host: '127.0.0.1' });
    expect(config.mqtt.url).toBe('mqtts://broker.city.example:8883');

    const [gate, lobby] = config.cameras;
    expect(gate?.source).toEqual({ url: 'rtsp://10.0.0.5/stream1', transport: 'udp', loop: false });
    expect(gate?.watchdog).toEqual({ stallSeconds: 20, backoffInitialSeconds: 1, backoffMaxSeconds: 60 });
    expect(gate?.motion).toEqual({
      enabled: true,
      threshold: 30,
      minAreaRatio: 0.002,
      recheckSeconds: 1,
      masks: [
        [
          [0, 0],
          [0.2, 0],
          [0.2, 0.1],
        ],
      ],
    });
    expect(gate?.zones[1]?.filters).toEqual({});
    expect(gate?.scenarios).toEqual([
      {
        type: 'street_vending',
        zone: 'pavement',
        personLabels: ['person'],
        cueLabels: 'umbrella,dining table,chair,bench,bicycle,motorcycle,suitcase'.split(','),
        nearDistance: 0.05,
        minRegionArea: 0.002,
        minDwellSeconds: 60,
        minPeople: 1,
        cueBoost: 0.15,
        clearSeconds: 30,
        minUpdateSeconds: 10,
      },
      {
        type: 'muck_truck',
        zone: 'site-gate',
        vehicleLabels: ['truck'],
        minTrackFrames: 5,
        minBoxArea: 0.01,
        classifier: 'covers',
        confirmFrames: 3,
        uncoveredScore: 0.5,
        uncoveredLabel: 'uncovered',
        cargoRegion: [0, 0, 1, 0.5],
        clearSeconds: 30,
        minUpdateSeconds: 10,
      },
      {
        type: 'loitering',
        zone: 'pavement',
        labels: ['person'],
        minDwellSeconds: 120,
        minObjects: 1,
        clearSeconds: 10,
        minUpdateSeconds: 10,
      },
      {
        type: 'parking',
        zone: 'site-gate',
        labels: ['car', 'truck', 'bus'],
        maxSeconds: 300,
        stationaryRadius: 0.02,
        clearSeconds: 30,
        minUpdateSeconds: 10,
      },
      {
        type: 'line_crossing',
        name: 'gate-line',
        line: [
          [0.5, 0],
          [0.5, 1],
        ],
        labels: ['person', 'bicycle'],
        direction: 'any',
        clearSeconds: 10,
        minUpdateSeconds: 10,
      },
      {
        type: 'gathering',
        zone: 'pavement',
        labels: ['person'],
        minDwellSeconds: 60,
        minObjects: 3,
        stationaryRadius: 0.02,
        clearSeconds: 15,
        minUpdateSeconds: 10,
      },
    ]);

    expect(lobby).toEqual({
      id: 'lobby',
      source: { url: 'clips/lobby.mp4', transport: 'tcp', loop: true },
      fps: 5,
      models: ['detector'],
      verifiers: [],
      watchdog: { stallSeconds: 10, backoffInitialSeconds: 1, backoffMaxSeconds: 60 },
      motion: { enabled: true, threshold: 25, minAreaRatio: 0.002, masks: [], recheckSeconds: 1 },
      tracker: {},
      zones: [],
      scenarios: [],
      suppression: { enabled: true, matchIou: 0.4, motionWindowSeconds: 3, moveFraction: 0.25 },
      health: {
        enabled: true,
        intervalSeconds: 1,
        openSeconds: 60,
        clearSeconds: 30,
        learnSeconds: 30,
        ignore: [],
        black: { level: 28, share: 0.95 },
        overexposed: { level: 240, share: 0.75 },
        frozen: { maxChangedShare: 0.002 },
        covered: { share: 0.75, textureRatio: 0.3, maxTexture: 2.5 },
        blurred: { sharpnessRatio: 0.35 },
        sceneChanged: { minSimilarity: 0.4 },
        noisy: { sigma: 6 },
      },
    });
  });

  it('defaults models to the shipped detector, and mqtt, api, delivery, evidence and live view when left out', () => {
    const config = parseEdgeConfig(stringify({ edgeId: 'e', cameras: [camera('c')] }), 'min.yaml');
    expect(config.models).toEqual({ detector: { manifest: 'nanodet-g-416' } });
    expect(config.mqtt).toEqual({ url: 'mqtt://localhost:1883', protocolVersion: 5 });
    expect(config.api).toEqual({ port: 8088, host: '127.0.0.1' });
    expect(config.dataDir).toBe('data');
    expect(config.delivery).toEqual({ maxPending: 50_000, heartbeatSeconds: 30 });
    expect(config.evidence).toMatchObject({
      snapshots: { enabled: true, quality: 85 },
      clips: { enabled: true, preRollSeconds: 5, postRollSeconds: 10, segmentSeconds: 2 },
      maxMegabytes: 2048,
    });
    expect(config.evidence.upload).toBeUndefined();
    expect(config.live).toEqual({ enabled: true, basePort: 9100 });
  });

  it('refuses evidence settings that cannot work, naming the field', () => {
    const bad = {
      edgeId: 'e',
      cameras: [camera('c')],
      evidence: { clips: { preRollSeconds: 30, maxSeconds: 20 }, upload: { url: 'ftp://cloud' } },
      mqtt: { protocolVersion: 3 },
    };
    expect(() => parseEdgeConfig(stringify(bad), 'bad.yaml')).toThrow(
      /evidence\.clips\.maxSeconds: must be longer than preRollSeconds/,
    );
    expect(() => parseEdgeConfig(stringify(bad), 'bad.yaml')).toThrow(
      /evidence\.upload\.url: use http:\/\/ or https:\/\//,
    );
    expect(() => parseEdgeConfig(stringify(bad), 'bad.yaml')).toThrow(/mqtt\.protocolVersion/);
  });

  it('is deep-frozen', () => {
    const config = parseEdgeConfig(FULL, 'full.yaml');
    const zone = config.cameras[0]?.zones[0];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cameras)).toBe(true);
    expect(Object.isFrozen(zone?.points[0])).toBe(true);
    expect(Object.isFrozen(zone?.filters.labels)).toBe(true);
    expect(Object.isFrozen(config.models.detector)).toBe(true);
    expect(() => {
      (config as { edgeId: string }).edgeId = 'other';
    }).toThrow(TypeError);
    expect(() => (zone?.points as number[][] | undefined)?.push([0, 0])).toThrow(TypeError);
  });

  it('gives every parse its own default arrays', () => {
    const a = parseEdgeConfig(stringify({ edgeId: 'e', cameras: [camera('c')] }), 'a.yaml');
    const b = parseEdgeConfig(stringify({ edgeId: 'e', cameras: [camera('c')] }), 'b.yaml');
    expect(a.cameras[0]?.models).not.toBe(b.cameras[0]?.models);
  });
});

describe('loadEdgeConfig', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves relative file paths against the config file', async () => {
    const file = path.join(dir, 'edge.yaml');
    await writeFile(file, FULL);
    const config = await loadEdgeConfig(file);
    expect(config.cameras[1]?.source.url).toBe(path.join(dir, 'clips', 'lobby.mp4'));
    expect(config.cameras[0]?.source.url).toBe('rtsp://10.0.0.5/stream1');
    expect(config.models.covers?.manifest).toBe(path.join(dir, 'models', 'covers', 'manifest.json'));
    expect(config.models.detector?.manifest).toBe('nanodet-g-416');
    expect(Object.isFrozen(config.cameras[1]?.source)).toBe(true);
  });

  it('reports syntax errors against the file name', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'edgeId: e\ncameras:\n  - id: a\n   source: {}\n');
    await expect(loadEdgeConfig(file)).rejects.toThrow(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:4:\\d+: `),
    );
  });

  it('refuses a missing file with CONFIG_NOT_FOUND', async () => {
    const file = path.join(dir, 'nope.yaml');
    const error = await loadEdgeConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_NOT_FOUND');
    expect((error as ConfigError).message).toBe(`${file}: file not found`);
  });
});

describe('formatPath', () => {
  it('writes indices in brackets and quotes keys that are not plain words', () => {
    expect(formatPath(['cameras', 2, 'zones', 0, 'points'])).toBe('cameras[2].zones[0].points');
    expect(formatPath(['models', 'my detector'])).toBe('models["my detector"]');
    expect(formatPath([])).toBe('');
  });
});
