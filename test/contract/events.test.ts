import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_VERSION, parseEvent } from '../../foundation/contract/events.ts';
import { parseEventTopic, topics } from '../../foundation/contract/topics.ts';

const valid = {
  schemaVersion: EVENT_SCHEMA_VERSION,
  eventId: 'edge-1:vtest:vending-road:1763766000000:0',
  incidentId: 'edge-1:vtest:vending-road:1763766000000',
  sequence: 0,
  type: 'street_vending',
  phase: 'start',
  edgeId: 'edge-1',
  cameraId: 'vtest',
  scenario: 'vending-road',
  zone: 'road',
  startedAt: '2026-11-21T10:00:00.000Z',
  observedAt: '2026-11-21T10:01:00.000Z',
  confidence: 0.72,
  objectCount: 1,
  objects: [{ trackId: 4, label: 'person', score: 0.8, box: [0.1, 0.2, 0.15, 0.4], dwellSeconds: 61 }],
  model: { name: 'nanodet-g-416', version: '1.0.0', sha256: 'a'.repeat(64) },
  frame: { width: 768, height: 576 },
};

describe('event contract', () => {
  it('accepts a valid event and fills the empty evidence slot', () => {
    const result = parseEvent(valid);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event.evidence).toEqual({});
  });

  it('names every field at fault', () => {
    const result = parseEvent({
      ...valid,
      phase: 'begin',
      confidence: 1.7,
      objects: [{ ...valid.objects[0], box: [0, 0, 2, 1] }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('phase');
      expect(result.error).toContain('confidence');
      expect(result.error).toContain('objects[0].box[2]');
    }
  });

  it('keeps an outline and a before image, and names what is wrong with them', () => {
    const ring: [number, number][] = [
      [113.241, 23.128],
      [113.242, 23.128],
      [113.242, 23.129],
      [113.241, 23.128],
    ];
    const before = { sha256: 'b'.repeat(64), size: 2048, contentType: 'image/jpeg' };
    const geometry = {
      image: [
        [0.1, 0.2],
        [0.3, 0.2],
        [0.3, 0.4],
      ],
      geo: { type: 'Polygon', coordinates: [ring] },
    };
    const result = parseEvent({ ...valid, geometry, evidence: { before } });
    if (!result.ok) throw new Error(result.error);
    expect(result.event.geometry).toEqual(geometry);
    expect(result.event.evidence.before).toEqual(before);

    const bad = parseEvent({
      ...valid,
      geometry: {
        image: [
          [0.1, 0.2],
          [1.3, 0.2],
        ],
        geo: { type: 'Polygon', coordinates: [ring.slice(0, 3).concat([[113.3, 23.2]])] },
      },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain('geometry.image[1][0]');
      expect(bad.error).toMatch(/an outline needs at least 3 points\s+→ at geometry\.image\n/);
      expect(bad.error).toMatch(/ring must be closed[\s\S]*geometry\.geo\.coordinates\[0\]/);
    }
  });

  it('refuses another schema version', () => {
    expect(parseEvent({ ...valid, schemaVersion: 2 }).ok).toBe(false);
  });

  it('builds and parses topics', () => {
    expect(topics.event('edge-1', 'street_vending')).toBe('edges/edge-1/events/street_vending');
    expect(parseEventTopic('edges/edge-1/events/street_vending')).toEqual({
      edgeId: 'edge-1',
      type: 'street_vending',
    });
    expect(parseEventTopic('edges/edge-1/status')).toBeUndefined();
    expect(topics.sharedEvents('cloud')).toBe('$share/cloud/edges/+/events/#');
  });
});
