import { describe, expect, it } from 'vitest';
import { judgePermit, type PermitContext } from '../../cloud/permits/judge-permit.ts';
import type { Permit } from '../../cloud/permits/permit-schema.ts';
import { levelWithTrucks, platesRead, type Truck } from '../../cloud/permits/trucks.ts';

/** A night permit on a north–south road 60 m wide at lon 113.2455, for 2026. */
const NIGHT: Permit = {
  plate: '粤AD1234',
  company: 'Lingnan spoil transport (synthetic)',
  permitNumber: 'LW-1',
  routes: [
    {
      name: 'road',
      corridor: [
        [113.2455, 23.118],
        [113.2455, 23.128],
      ],
      widthMeters: 60,
    },
  ],
  hours: { from: '22:00', to: '06:00' },
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
};
const ON_ROAD = [113.2456, 23.1227] as const;
/** Local time is UTC+8: 2026-11-20T15:00Z is 23:00 on the 20th in Guangzhou. */
const at = (iso: string, place: PermitContext['place'] = ON_ROAD): PermitContext => ({
  place,
  atMs: Date.parse(iso),
  utcOffsetMinutes: 480,
  registryEmpty: false,
});

describe('judging a permit against where and when a camera saw the truck', () => {
  it('permits a truck on its route within its night hours, across midnight and at their first minute', () => {
    for (const iso of ['2026-11-20T15:00:00Z', '2026-11-20T19:30:00Z', '2026-11-20T14:00:00Z']) {
      expect(judgePermit(NIGHT, at(iso))).toEqual({ permitted: true, reasons: [] });
    }
  });

  it('refuses at noon, and from 06:00 local on (the end is not included)', () => {
    expect(judgePermit(NIGHT, at('2026-11-21T04:00:00Z'))).toEqual({
      permitted: false,
      reasons: ['outside_hours'],
    });
    expect(judgePermit(NIGHT, at('2026-11-20T22:00:00Z')).reasons).toEqual(['outside_hours']);
  });

  it('refuses off the route: 200 m east of the road', () => {
    expect(judgePermit(NIGHT, at('2026-11-20T15:00:00Z', [113.2475, 23.1227]))).toEqual({
      permitted: false,
      reasons: ['off_route'],
    });
  });

  it('reads the validity dates as local days: 23:30 local on 31 December is valid, 00:30 on 1 January is not', () => {
    expect(judgePermit(NIGHT, at('2026-12-31T15:30:00Z')).permitted).toBe(true);
    expect(judgePermit(NIGHT, at('2026-12-31T16:30:00Z'))).toEqual({
      permitted: false,
      reasons: ['expired'],
    });
    expect(judgePermit(NIGHT, at('2025-12-31T15:30:00Z')).reasons).toEqual(['not_yet_valid']);
  });

  it('names every reason that holds at once', () => {
    expect(judgePermit(NIGHT, at('2027-03-01T04:00:00Z', [113.25, 23.12])).reasons).toEqual([
      'expired',
      'outside_hours',
      'off_route',
    ]);
  });

  it('says an unknown plate is unpermitted, but says nothing when there is no registry at all', () => {
    expect(judgePermit(undefined, at('2026-11-20T15:00:00Z'))).toEqual({
      permitted: false,
      reasons: ['unknown_plate'],
    });
    expect(judgePermit(undefined, { ...at('2026-11-20T15:00:00Z'), registryEmpty: true })).toEqual({
      permitted: null,
      reasons: ['no_registry'],
    });
  });

  it('cannot tell the route of a camera with no place, but still refuses on time', () => {
    expect(judgePermit(NIGHT, { ...at('2026-11-20T15:00:00Z'), place: undefined })).toEqual({
      permitted: null,
      reasons: ['place_unknown'],
    });
    expect(judgePermit(NIGHT, { ...at('2026-11-21T04:00:00Z'), place: undefined }).permitted).toBe(false);
  });
});

describe('the trucks of a ticket', () => {
  const truck = (permitted: boolean | null): Truck => ({
    plate: '粤AD1234',
    confidence: 0.9,
    color: 'yellow',
    trackId: 1,
    observedAt: '2026-11-20T15:00:00.000Z',
    deviceId: null,
    company: null,
    permitNumber: null,
    disposalPermitNumber: null,
    permitted,
    reasons: [],
  });

  it('raises the level by the configured steps while a truck is unpermitted, never past 1', () => {
    expect(levelWithTrucks(3, [truck(true), truck(false)], 1)).toBe(2);
    expect(levelWithTrucks(2, [truck(false)], 3)).toBe(1);
    expect(levelWithTrucks(3, [truck(true), truck(null)], 1)).toBe(3);
    expect(levelWithTrucks(3, null, 1)).toBe(3);
  });

  it('takes each plate once, at its most confident read, written as edges write plates', () => {
    const plate = (text: string, confidence: number) => ({ text, confidence, frames: 3 });
    const object = (trackId: number, p?: ReturnType<typeof plate>) => ({
      trackId,
      label: 'truck',
      score: 0.9,
      box: [0, 0, 1, 1] as [number, number, number, number],
      ...(p ? { plate: p } : {}),
    });
    expect(
      platesRead([object(1, plate('粤AD1234', 0.6)), object(2), object(3, plate('粤ad1234', 0.8))]),
    ).toEqual([{ plate: '粤AD1234', confidence: 0.8, color: null, trackId: 3 }]);
  });
});
