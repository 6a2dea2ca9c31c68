import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../edge/config/config-error.ts';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { camera, problems, ZONE } from './edge-config-helpers.ts';

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

  it('refuses a new-track score below the high score, which would start tracks it cannot match', () => {
    const config = { edgeId: 'e', cameras: [camera('c', { tracker: { newTrackScore: 0.4 } })] };
    expect(problems(config)).toEqual([
      'edge.yaml: cameras[0].tracker.newTrackScore: must be at least highScore (0.5)',
    ]);
  });
});
