import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../edge/config/config-error.ts';
import { loadEdgeConfig, parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { formatPath } from '../../foundation/config/config-problem.ts';

const FULL = `
edgeId: edge-01
timezone: Asia/Shanghai
models:
  detector: { manifest: nanodet-g-416 }
  covers: { manifest: ./models/covers/manifest.json }
cameras:
  - id: gate-north
    name: North gate
    location: { lat: 31.2304, lon: 121.4737 }
    source: { url: rtsp://10.0.0.5/stream1, transport: udp }
    fps: 8
    detect: { width: 640, height: 360 }
    models: [detector, covers]
    watchdog: { stallSeconds: 20 }
    motion: { threshold: 30, masks: [[[0, 0], [0.2, 0], [0.2, 0.1]]] }
    zones:
      - name: pavement
        points: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]]
        filters: { labels: [person], minArea: 0.001, maxArea: 0.2, minScore: 0.4 }
      - name: site-gate
        points: [[0.5, 0.2], [1, 0.2], [1, 0.6]]
    scenarios:
      - { type: street_vending, zone: pavement }
      - { type: muck_truck, zone: site-gate, classifier: covers }
      - { type: loitering, zone: pavement, labels: [person], minDwellSeconds: 120 }
      - { type: parking, zone: site-gate, maxSeconds: 300 }
      - { type: line_crossing, name: gate-line, line: [[0.5, 0], [0.5, 1]], labels: [person, bicycle] }
  - id: lobby
    source: { url: clips/lobby.mp4, loop: true }
mqtt: { url: mqtts://broker.city.example:8883, username: edge01, password: secret }
`;

/** A minimal valid config as an object, for error cases to break one thing at a time. */
function camera(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, source: { url: `rtsp://cam/${id}` }, ...extra };
}
const ZONE = {
  name: 'road',
  points: [
    [0, 0],
    [1, 0],
    [1, 1],
  ],
};

/** The message lines of the ConfigError that parsing `config` throws. */
function problems(config: unknown, sourceName = 'edge.yaml'): string[] {
  const text = typeof config === 'string' ? config : stringify(config);
  try {
    parseEdgeConfig(text, sourceName);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

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
        stallLabels: [
          'umbrella',
          'dining table',
          'chair',
          'bench',
          'bicycle',
          'handbag',
          'backpack',
          'suitcase',
        ],
        minDwellSeconds: 60,
        minObjects: 2,
        minStallObjects: 1,
        stationaryRadius: 0.02,
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
    ]);

    expect(lobby).toEqual({
      id: 'lobby',
      source: { url: 'clips/lobby.mp4', transport: 'tcp', loop: true },
      fps: 5,
      models: ['detector'],
      watchdog: { stallSeconds: 10, backoffInitialSeconds: 1, backoffMaxSeconds: 60 },
      motion: { enabled: true, threshold: 25, minAreaRatio: 0.002, masks: [], recheckSeconds: 1 },
      tracker: {},
      zones: [],
      scenarios: [],
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

describe('edge config: problems, each with its exact path', () => {
  it('names the polygon with too few points', () => {
    const config = {
      edgeId: 'e',
      cameras: [
        camera('a'),
        camera('b'),
        camera('c', {
          zones: [
            {
              name: 'z',
              points: [
                [0, 0],
                [1, 1],
              ],
            },
          ],
        }),
      ],
    };
    expect(problems(config)).toEqual(['edge.yaml: cameras[2].zones[0].points: need at least 3 points']);
  });

  it('refuses an unknown scenario type and lists the known ones', () => {
    const config = {
      edgeId: 'e',
      cameras: [camera('a', { zones: [ZONE], scenarios: [{ type: 'jaywalking', zone: 'road' }] })],
    };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].scenarios[0].type: unknown scenario type "jaywalking"; ' +
        'expected one of street_vending, muck_truck, loitering, parking, line_crossing',
    ]);
  });

  it('refuses a scenario naming a zone the camera does not have', () => {
    const scenarios = [{ type: 'loitering', zone: 'lawn', labels: ['person'], minDwellSeconds: 30 }];
    const config = { edgeId: 'e', cameras: [camera('a'), camera('b', { zones: [ZONE], scenarios })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[1].scenarios[0].zone: no zone named "lawn" on camera "b" (zones: road)',
    ]);
  });

  it('refuses a zone of another camera', () => {
    const scenarios = [{ type: 'parking', zone: 'road', maxSeconds: 60 }];
    const config = { edgeId: 'e', cameras: [camera('a', { zones: [ZONE] }), camera('b', { scenarios })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[1].scenarios[0].zone: no zone named "road" on camera "b" (it has no zones)',
    ]);
  });

  it('refuses duplicate camera ids', () => {
    const config = { edgeId: 'e', cameras: [camera('gate'), camera('lobby'), camera('gate')] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[2].id: duplicate camera id "gate" (also cameras[0])',
    ]);
  });

  it('refuses duplicate zone names on one camera', () => {
    const config = { edgeId: 'e', cameras: [camera('a', { zones: [ZONE, ZONE] })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].zones[1].name: duplicate zone name "road" (also zones[0])',
    ]);
  });

  it('refuses a latitude out of range', () => {
    const config = { edgeId: 'e', cameras: [camera('a', { location: { lat: 91.5, lon: 121.47 } })] };
    expect(problems(config)).toEqual(['edge.yaml: cameras[0].location.lat: must be at most 90']);
  });

  it('reports a YAML syntax error with file, line and column', async () => {
    const text = [
      'edgeId: e',
      'cameras:',
      '  - id: a',
      '    source: { url: rtsp://cam/a',
      '    fps: 5',
      '',
    ].join('\n');
    const lines = problems(text, 'broken.yaml');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^broken\.yaml:\d+:\d+: \S/);
    expect(lines[0]).toMatch(/^broken\.yaml:[45]:\d+: /);
  });

  it('reports a duplicated key as a YAML error on its line', () => {
    expect(problems('edgeId: a\ncameras: []\nedgeId: b\n', 'dup.yaml')).toEqual([
      'dup.yaml:3:1: Map keys must be unique',
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const config = {
      edgeId: 'Edge 1',
      models: { detector: { manifest: 'nanodet-g-416' } },
      cameras: [
        camera('a', {
          fps: 60,
          location: { lat: 0, lon: -200 },
          zones: [
            {
              name: 'z',
              points: [
                [0, 0],
                [1.5, 0],
                [1, 1],
              ],
            },
          ],
          scenarios: [{ type: 'loitering', zone: 'z', labels: ['person'], minDwelSeconds: 10 }],
        }),
        camera('a', { models: ['detector', 'covers'], source: { url: 'rtsp://cam/b', loop: true } }),
      ],
      api: { port: 0 },
    };
    expect(problems(config)).toEqual([
      'edge.yaml: edgeId: use only lower-case letters, digits, "_" and "-"',
      'edge.yaml: cameras[0].fps: must be at most 30',
      'edge.yaml: cameras[0].location.lon: must be at least -180',
      'edge.yaml: cameras[0].zones[0].points[1][0]: coordinates are normalised: at most 1 (right/bottom edge of the frame)',
      'edge.yaml: cameras[0].scenarios[0].minDwellSeconds: required',
      'edge.yaml: cameras[0].scenarios[0]: unknown field "minDwelSeconds" (did you mean "minDwellSeconds"?); ' +
        'allowed: type, name, zone, labels, minDwellSeconds, minObjects, clearSeconds, minUpdateSeconds',
      'edge.yaml: cameras[1].id: duplicate camera id "a" (also cameras[0])',
      'edge.yaml: cameras[1].source.loop: loop applies to file sources only',
      'edge.yaml: cameras[1].models[1]: no model with alias "covers" (models: detector)',
      'edge.yaml: api.port: must be at least 1',
    ]);
  });

  it('refuses polygons whose edges cross', () => {
    const bowtie = {
      name: 'z',
      points: [
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ],
    };
    expect(problems({ edgeId: 'e', cameras: [camera('a', { zones: [bowtie] })] })).toEqual([
      'edge.yaml: cameras[0].zones[0].points: the edge from point 0 to 1 crosses the edge from point 2 to 3; ' +
        'list the points in order around the outline',
    ]);
  });

  it('refuses a muck_truck classifier that is not a configured model', () => {
    const scenarios = [{ type: 'muck_truck', zone: 'road', classifier: 'covers' }];
    expect(problems({ edgeId: 'e', cameras: [camera('a', { zones: [ZONE], scenarios })] })).toEqual([
      'edge.yaml: cameras[0].scenarios[0].classifier: no model with alias "covers" (models: detector)',
    ]);
  });

  it('refuses unsupported source schemes and wrongly typed values', () => {
    const config = {
      edgeId: 'e',
      cameras: [{ id: 'a', source: { url: 'ftp://x/y', loop: 'yes' }, zones: {} }],
    };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].source.url: unsupported scheme "ftp://": use a file path, rtsp://, rtsps://, http:// or https:// (MJPEG)',
      'edge.yaml: cameras[0].source.loop: expected a boolean, got "yes"',
      'edge.yaml: cameras[0].zones: expected a list, got a mapping',
    ]);
  });

  it('refuses an empty file and a file that is not a mapping', () => {
    expect(problems('', 'empty.yaml')).toEqual(['empty.yaml: the file is empty']);
    expect(problems('- a\n', 'list.yaml')).toEqual(['list.yaml: expected a mapping, got a list']);
    expect(problems('edgeId: e\n', 'none.yaml')).toEqual(['none.yaml: cameras: required']);
  });

  it('gives each problem its line in the file', () => {
    const text = 'edgeId: e\ncameras:\n  - id: a\n    source: { url: rtsp://cam/a }\n    fps: 0\n';
    try {
      parseEdgeConfig(text, 'lines.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        {
          file: 'lines.yaml',
          path: 'cameras[0].fps',
          message: 'must be greater than 0',
          line: 5,
          column: 10,
        },
      ]);
    }
  });
});

describe('loadEdgeConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'edge-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

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

describe('edge config: scenario names and tracker settings', () => {
  it('refuses two scenarios that would raise events under one name', () => {
    const config = {
      edgeId: 'e',
      cameras: [
        camera('c', {
          zones: [
            {
              name: 'z',
              points: [
                [0, 0],
                [1, 0],
                [1, 1],
              ],
            },
          ],
          scenarios: [
            { type: 'loitering', zone: 'z', labels: ['person'], minDwellSeconds: 10 },
            { type: 'loitering', zone: 'z', labels: ['dog'], minDwellSeconds: 30 },
          ],
        }),
      ],
    };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].scenarios[1].name: duplicate scenario name "loitering_z" (also scenarios[0])',
    ]);
  });

  it('refuses a new-track score below the high score, which would start tracks it cannot match', () => {
    const config = { edgeId: 'e', cameras: [camera('c', { tracker: { newTrackScore: 0.4 } })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].tracker.newTrackScore: must be at least highScore (0.5)',
    ]);
  });
});
