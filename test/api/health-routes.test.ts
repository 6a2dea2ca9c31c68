import { describe, expect, it } from 'vitest';
import { camera, T0 } from './support/fake-source.ts';
import { serveFakeSource } from './support/serve-fake-source.ts';

describe('local API: health', () => {
  const { source, get } = serveFakeSource();

  describe('GET /health', () => {
    it.each([
      ['ok (200) while a camera is live', 'live', 200, 'ok', 1],
      ['degraded (503) with the same body when no camera is live', 'stalled', 503, 'degraded', 0],
    ] as const)('is %s', async (_case, gateState, status, health, live) => {
      source.cams = [camera('gate', gateState, 100), camera('yard', 'backing_off', 7)];
      const response = await get('/health');
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({
        status: health,
        edgeId: 'edge-1',
        uptimeSeconds: 65,
        cameras: { live, total: 2 },
      });
    });

    it('is degraded (still 200 while a camera is live) when the disk is full, and says since when', async () => {
      source.cams = [camera('gate', 'live', 100)];
      const full = {
        state: 'disk_full' as const,
        since: T0 + 5000,
        lastError: 'outbox append: ENOSPC: no space left on device',
        fullWrites: 3,
        eventsWaiting: 2,
        freeBytes: 0,
        reserveBytes: 2 * 1024 * 1024,
      };
      source.storageStats = full;
      const response = await get('/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'degraded',
        storage: {
          state: 'disk_full',
          since: new Date(T0 + 5000).toISOString(),
          eventsWaiting: 2,
          freeBytes: 0,
        },
      });
      source.storageStats = { ...full, state: 'ok', since: null, eventsWaiting: 0, freeBytes: 9e6 };
      expect(await (await get('/health')).json()).toMatchObject({ status: 'ok', storage: { state: 'ok' } });
    });

    it('is degraded with no cameras at all', async () => {
      source.cams = [];
      const response = await get('/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'degraded', cameras: { live: 0, total: 0 } });
    });
  });
});
