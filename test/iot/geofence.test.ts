import { describe, expect, it } from 'vitest';
import { parseIncidentMessage } from '../../foundation/contract/events.ts';
import { RIVER_BANK_ROUTE, SCHOOL_ROAD } from '../../iot/simulator/demo-scenario.ts';
import { simulateVehicle, type VehicleSpec } from '../../iot/simulator/simulate.ts';
import { demoEventsOf, fixtureRules, rules, run, summary, T0, truckA } from './helpers.ts';

const noGo = {
  name: 'school-no-go',
  kind: 'geofence',
  event: 'muck_truck_no_go',
  area: {
    name: 'school',
    polygon: [
      [113.368, 22.938],
      [113.372, 22.938],
      [113.372, 22.942],
      [113.368, 22.942],
    ],
  },
  trigger: 'inside',
  clearSeconds: 20,
} as const;

const crossing = (seed: number, extra: Partial<VehicleSpec> = {}) =>
  truckA({
    route: SCHOOL_ROAD,
    speedKmh: 25,
    intervalSeconds: 5,
    positionNoiseMeters: 6,
    speedNoiseKmh: 2,
    seed,
    ...extra,
  });

describe('geofence rules', () => {
  it('a truck crossing a no-go area fires once and ends once, for any GPS noise draw', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { events } = run(rules({ rules: [noGo] }), crossing(seed));
      expect(summary(events), `seed ${seed}`).toEqual([
        'school-no-go/truck-a start',
        'school-no-go/truck-a end',
      ]);
      const [start, end] = events;
      expect(start?.incidentId).toBe(end?.incidentId);
      expect(start?.plate).toBe('粤AD1234');
      expect(start?.zone).toBe('school');
      // The polygon's west edge (113.368) is ~823 m from the start at 25 km/h: ~118 s in.
      const entered = (Date.parse(start?.startedAt ?? '') - T0) / 1000;
      expect(entered).toBeGreaterThan(100);
      expect(entered).toBeLessThan(135);
      // Inside for ~410 m: about a minute.
      const inside = (Date.parse(end?.endedAt ?? '') - Date.parse(start?.startedAt ?? '')) / 1000;
      expect(inside).toBeGreaterThan(45);
      expect(inside).toBeLessThan(75);
      for (const e of events) expect(parseIncidentMessage(e).ok).toBe(true);
    }
  });

  it('without the clear time, GPS noise at the fence splits one crossing into several incidents', () => {
    // The same truck creeping along the fence line: the reason clearSeconds exists.
    const creeping = truckA({
      route: [
        [113.369, 22.93795],
        [113.371, 22.93795],
      ],
      speedKmh: 5,
      intervalSeconds: 5,
      positionNoiseMeters: 6,
      seed: 3,
    });
    const strict = run(rules({ rules: [{ ...noGo, clearSeconds: 0 }] }), creeping).events;
    const tolerant = run(rules({ rules: [{ ...noGo, clearSeconds: 120 }] }), creeping, {
      close: true,
    }).events;
    expect(strict.filter((e) => e.phase === 'start').length).toBeGreaterThan(2);
    expect(tolerant.filter((e) => e.phase === 'start').length).toBe(1);
  });

  it('a no-go area with active hours ignores trucks outside those hours', () => {
    const dayOnly = { ...noGo, activeHours: { from: '07:00', to: '20:00' } };
    expect(run(rules({ rules: [dayOnly] }), crossing(1)).events).toHaveLength(2);
    const night = crossing(1, { startMs: T0 + 14 * 3600_000 }); // 22:00 local
    expect(run(rules({ rules: [dayOnly] }), night).events).toHaveLength(0);
  });

  it('a routed truck leaving its corridor for longer than a minute is one off-route incident', () => {
    const offRoute = demoEventsOf('truck-routed-1').filter((e) => e.rule === 'permitted-route');
    // The detour lasts over five minutes: one update in between, of the same incident.
    expect(offRoute.map((e) => e.phase)).toEqual(['start', 'update', 'end']);
    expect(new Set(offRoute.map((e) => e.incidentId)).size).toBe(1);
    expect(offRoute.map((e) => e.sequence)).toEqual([0, 1, 2]);
  });

  it('driving outside permitted hours is a violation even on the route', () => {
    const route = {
      name: 'night-route',
      kind: 'geofence',
      event: 'muck_truck_off_route',
      area: {
        name: 'corridor',
        corridor: SCHOOL_ROAD,
        widthMeters: 100,
      },
      trigger: 'outside',
      permittedHours: { from: '22:00', to: '06:00' },
    } as const;
    const day = run(rules({ rules: [route] }), crossing(2), { close: true }).events;
    expect(day.map((e) => e.phase)).toEqual(['start', 'end']);
    expect(day[0]?.startedAt).toBe(new Date(T0).toISOString());
    const night = crossing(2, { startMs: T0 + 15 * 3600_000 }); // 23:00 local
    expect(run(rules({ rules: [route] }), night).events).toHaveLength(0);
  });

  it('a truck standing at the river bank for five minutes is suspected dumping; one passing by is not', () => {
    const dumping = demoEventsOf('truck-c').filter((e) => e.type === 'illegal_dumping');
    expect(dumping.map((e) => e.phase)).toEqual(['start', 'end']);
    const passing = simulateVehicle({
      deviceId: 'truck-c',
      plate: '粤AK9012',
      route: RIVER_BANK_ROUTE,
      speedKmh: 20,
      startMs: T0,
      intervalSeconds: 10,
      seed: 1,
    });
    expect(run(fixtureRules(), passing).events.filter((e) => e.type === 'illegal_dumping')).toHaveLength(0);
  });

  it('speeding within the school streets needs the speed held for the minimum duration', () => {
    const speeding = demoEventsOf('truck-b').filter((e) => e.type === 'speeding');
    expect(speeding.map((e) => e.phase)).toEqual(['start', 'end']);
    expect(speeding[0]?.readings?.limit).toBe(30);
    expect(speeding[0]?.readings?.min).toBeGreaterThan(30);
    expect(demoEventsOf('truck-a').filter((e) => e.type === 'speeding')).toHaveLength(0);
  });
});
