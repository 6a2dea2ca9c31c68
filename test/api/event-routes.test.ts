import { describe, expect, it } from 'vitest';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { event } from './support/fake-source.ts';
import { serveFakeSource } from './support/serve-fake-source.ts';

describe('local API: events', () => {
  const { source, get } = serveFakeSource();

  describe('GET /events', () => {
    it('gives the 50 most recent events, newest first, by default', async () => {
      source.events = Array.from({ length: 60 }, (_, i) => event(i));
      const response = await get('/events');
      expect(response.status).toBe(200);
      const body = (await response.json()) as EdgeEvent[];
      expect(source.limitsAsked).toEqual([50]);
      expect(body).toHaveLength(50);
      expect(body[0]?.sequence).toBe(59);
      expect(body.at(-1)?.sequence).toBe(10);
    });

    it('takes a limit', async () => {
      source.events = Array.from({ length: 5 }, (_, i) => event(i));
      const body = (await (await get('/events?limit=2')).json()) as EdgeEvent[];
      expect(body.map((e) => e.sequence)).toEqual([4, 3]);
      expect((await (await get('/events?limit=1000')).json()) as EdgeEvent[]).toHaveLength(5);
    });

    it.each(['0', '1001', 'abc', '1.5', '-3', '', '1e2'])(
      'refuses limit=%j with 400 naming it',
      async (limit) => {
        const response = await get(`/events?limit=${encodeURIComponent(limit)}`);
        expect(response.status).toBe(400);
        const body = (await response.json()) as {
          error: { code: string; message: string; parameter: string };
        };
        expect(body.error.code).toBe('QUERY_INVALID');
        expect(body.error.parameter).toBe('limit');
        expect(body.error.message).toMatch(/^query parameter limit must be .*, got "/);
        expect(source.limitsAsked).toEqual([]);
      },
    );

    it('refuses a repeated limit', async () => {
      const response = await get('/events?limit=1&limit=2');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { parameter: 'limit' } });
    });
  });
});
