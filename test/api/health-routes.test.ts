import { describe, expect, it } from 'vitest';
import { camera } from './support/fake-source.ts';
import { serveFakeSource } from './support/serve-fake-source.ts';

describe('local API: health', () => {
  const { source, get } = serveFakeSource();

  describe('GET /health', () => {
    it('is ok while a camera is live', async () => {
      const response = await get('/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ok',
        edgeId: 'edge-1',
        uptimeSeconds: 65,
        cameras: { live: 1, total: 2 },
      });
    });

    it('is 503 degraded with the same body when no camera is live', async () => {
      source.cams = [camera('gate', 'stalled', 100), camera('yard', 'backing_off', 7)];
      const response = await get('/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'degraded',
        edgeId: 'edge-1',
        uptimeSeconds: 65,
        cameras: { live: 0, total: 2 },
      });
    });

    it('is degraded with no cameras at all', async () => {
      source.cams = [];
      const response = await get('/health');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'degraded', cameras: { live: 0, total: 0 } });
    });
  });
});
