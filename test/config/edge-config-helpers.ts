import { expect } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../edge/config/config-error.ts';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';

/** A config using every section, and a camera left to its defaults. */
export const FULL = `
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
      - { type: gathering, zone: pavement }
  - id: lobby
    source: { url: clips/lobby.mp4, loop: true }
mqtt: { url: mqtts://broker.city.example:8883, username: edge01, password: secret }
`;

/** A minimal valid config as an object, for error cases to break one thing at a time. */
export function camera(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, source: { url: `rtsp://cam/${id}` }, ...extra };
}
export const ZONE = {
  name: 'road',
  points: [
    [0, 0],
    [1, 0],
    [1, 1],
  ],
};

/** The message lines of the ConfigError that parsing `config` throws. */
export function problems(config: unknown, sourceName = 'edge.yaml'): string[] {
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
