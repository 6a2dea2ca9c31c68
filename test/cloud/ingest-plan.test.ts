// Issue 14: the pure parts of set-based ingest: which lock keys a new edge incident takes, how a
// batch is split into parallel transactions, and what a batch's new edge incidents become.
import { describe, expect, it } from 'vitest';
import { mergeLockKeys } from '../../cloud/ingest/merge-cells.ts';
import { groupByIncident, partitionBatch } from '../../cloud/ingest/plan-batch.ts';
import { planOpenings } from '../../cloud/ingest/plan-openings.ts';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import { distanceMeters, type LonLat } from '../../foundation/geometry/lon-lat.ts';
import { edgeEvent } from './support/events.ts';

describe('merge lock keys', () => {
  /** A deterministic spread of points (a linear congruential generator). */
  function* points(count: number): Generator<[LonLat, LonLat]> {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < count; n++) {
      const lat = -80 + 160 * next();
      const a: LonLat = [-180 + 360 * next(), lat];
      const b: LonLat = [a[0] + (next() - 0.5) * 0.004, lat + (next() - 0.5) * 0.004];
      yield [a, b];
    }
  }

  it('gives two view points within the merge distance a key in common, at any latitude', () => {
    let near = 0;
    for (const [a, b] of points(20_000)) {
      const meters = distanceMeters(a, b);
      const shared = mergeLockKeys('street_vending', a, 50).some((k) =>
        mergeLockKeys('street_vending', b, 50).includes(k),
      );
      if (meters <= 50) {
        near++;
        expect(shared, `${a} and ${b} are ${meters.toFixed(1)} m apart`).toBe(true);
      }
    }
    expect(near).toBeGreaterThan(100);
  });

  it('keeps places far apart, and other types, on different keys', () => {
    const market: LonLat = [113.236, 23.12];
    const school: LonLat = [113.24, 23.13];
    const keys = mergeLockKeys('street_vending', market, 50);
    expect(mergeLockKeys('street_vending', school, 50).some((k) => keys.includes(k))).toBe(false);
    expect(mergeLockKeys('muck_truck_uncovered', market, 50).some((k) => keys.includes(k))).toBe(false);
  });
});

describe('partitioning a batch', () => {
  it("keeps each key's items in one part, in arrival order, and fills the parts with few keys", () => {
    const items = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3'];
    const parts = partitionBatch(items, (s) => s.charAt(0), 2);
    expect(parts.map((p) => p.map((x) => x.item))).toEqual([
      ['a1', 'a2', 'c1', 'a3'],
      ['b1', 'b2'],
    ]);
    expect(parts.flat().map((x) => items[x.index] === x.item)).not.toContain(false);
    expect(partitionBatch(['a1', 'a2'], (s) => s.charAt(0), 2)).toHaveLength(1);
  });
});

describe('planning the new edge incidents of a batch', () => {
  const T = '2026-11-21T04:00:00.000Z';
  const viewPoints: Record<string, LonLat> = {
    'lingnan-hub/ln-boundary': [113.2456, 23.1227],
    'renmin-hub/rm-boundary': [113.24535, 23.1226],
    'renmin-hub/rm-square': [113.252, 23.128],
  };
  const viewPointOf = (edgeId: string, cameraId: string) => viewPoints[`${edgeId}/${cameraId}`];
  const options = { mergeDistanceMeters: 50, mergeGapSeconds: 60 };
  const seen = (edgeId: string, cameraId: string, sequence = 0, startedAt = T) =>
    edgeEvent({ edgeId, cameraId, key: 'k', sequence, startedAt });

  it('joins the second camera to the incident the first opened in the same batch, with all events folded in', () => {
    const groups = groupByIncident([
      seen('lingnan-hub', 'ln-boundary', 0),
      seen('renmin-hub', 'rm-boundary', 0),
      seen('lingnan-hub', 'ln-boundary', 1),
      seen('renmin-hub', 'rm-square', 0),
    ]);
    const plan = planOpenings(groups, [], [101, 102, 103], viewPointOf, options);
    expect(plan.sources.map((s) => s.incidentId)).toEqual([101, 101, 102]);
    const boundary = plan.touched.get(101);
    expect(boundary?.openedBy).toMatchObject({ cameraId: 'ln-boundary' });
    expect(boundary?.incident).toMatchObject({
      eventCount: 3,
      state: 'open',
      lastSeenAt: '2026-11-21T04:00:10.000Z',
    });
    expect(boundary?.incident.sources.map((s) => s.cameraId)).toEqual(['ln-boundary', 'rm-boundary']);
  });

  it('never joins a camera with no view point, nor a device, and opens each its own incident', () => {
    const device: DeviceEvent = {
      ...(seen('renmin-hub', 'rm-boundary') as unknown as DeviceEvent),
      source: 'device',
      deviceId: 'truck-1',
      nodeId: 'iot-1',
      incidentId: 'iot-1:truck-1:k',
      eventId: 'iot-1:truck-1:k:0',
    } as DeviceEvent;
    const groups = groupByIncident([seen('lingnan-hub', 'ln-boundary'), seen('lingnan-hub', 'ln-nowhere')]);
    const plan = planOpenings(groups, [], [1, 2], viewPointOf, options);
    expect(plan.sources.map((s) => s.incidentId)).toEqual([1, 2]);
    expect(
      planOpenings(groupByIncident([device]), [], [3], viewPointOf, options).touched.get(3)?.openedBy,
    ).toBe(device);
  });

  it('joins a stored incident only when its span, widened by the gap, overlaps', () => {
    const stored = planOpenings(
      groupByIncident([seen('lingnan-hub', 'ln-boundary')]),
      [],
      [7],
      viewPointOf,
      options,
    ).touched.get(7)?.incident;
    const later = (minutes: number) =>
      seen('renmin-hub', 'rm-boundary', 0, new Date(Date.parse(T) + minutes * 60_000).toISOString());
    const join = planOpenings(
      groupByIncident([later(0.5)]),
      stored ? [stored] : [],
      [8],
      viewPointOf,
      options,
    );
    expect(join.sources[0]?.incidentId).toBe(7);
    expect(join.touched.get(7)?.openedBy).toBeUndefined();
    const apart = planOpenings(
      groupByIncident([later(5)]),
      stored ? [stored] : [],
      [8],
      viewPointOf,
      options,
    );
    expect(apart.sources[0]?.incidentId).toBe(8);
  });
});
