import { describe, expect, it } from 'vitest';
import { deadlinesFor, routeTicket } from '../../cloud/routing/route-ticket.ts';
import { fixtureConfig, fixturePlaces } from './support/fixtures.ts';

describe('routing by type, place and time of day (fixture rules, Asia/Shanghai)', async () => {
  const config = await fixtureConfig();
  const places = await fixturePlaces();
  const lingnan = places.locate([113.236, 23.12]);
  const renmin = places.locate([113.255, 23.13]);
  const noonCst = new Date('2026-11-21T04:00:00Z');
  const lateCst = new Date('2026-11-21T15:30:00Z'); // 23:30 in Guangzhou

  it('routes street vending by street, and at night at level 4', () => {
    expect(routeTicket(config.routing, 'street_vending', lingnan, noonCst)).toEqual({
      department: 'urban-management',
      level: 2,
      rule: 2,
    });
    expect(routeTicket(config.routing, 'street_vending', renmin, noonCst)).toMatchObject({
      level: 3,
      rule: 1,
    });
    expect(routeTicket(config.routing, 'street_vending', renmin, lateCst)).toMatchObject({
      level: 4,
      rule: 0,
    });
  });

  it('routes muck trucks to construction enforcement, and the unknown to the fallback', () => {
    expect(routeTicket(config.routing, 'muck_truck_uncovered', lingnan, noonCst).department).toBe(
      'construction-enforcement',
    );
    expect(routeTicket(config.routing, 'noise', lingnan, noonCst)).toEqual({
      department: 'command-centre',
      level: 4,
      rule: undefined,
    });
  });

  it('gives each level its step deadlines', () => {
    expect(deadlinesFor(config.routing, 1)).toEqual({ dispatch: 5, accept: 10, handle: 60, verify: 30 });
  });
});
