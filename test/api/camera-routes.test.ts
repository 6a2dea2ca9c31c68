import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CameraStatusView } from '../../edge/api/api-source.ts';
import { T0 } from './support/fake-source.ts';
import { serveFakeSource } from './support/serve-fake-source.ts';

describe('local API: cameras', () => {
  const { source, get } = serveFakeSource();

  describe('GET /cameras', () => {
    it('lists every camera with its state and counters', async () => {
      const response = await get('/cameras');
      expect(response.status).toBe(200);
      const body = (await response.json()) as (CameraStatusView & { analysedFps: number })[];
      expect(body.map((c) => c.id)).toEqual(['gate', 'yard']);
      expect(body[0]).toMatchObject({
        id: 'gate',
        name: 'Camera gate',
        state: 'live',
        fps: 5,
        counters: { framesDecoded: 130, framesDropped: 10, reconnects: 2, lastInferenceMs: 42 },
      });
      expect(typeof body[0]?.analysedFps).toBe('number');
    });

    it('gives one camera by id', async () => {
      const response = await get('/cameras/yard');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: 'yard',
        state: 'backing_off',
        counters: { framesAnalysed: 7 },
      });
    });

    it('answers 404 naming the id and the known ids', async () => {
      const response = await get('/cameras/nope');
      expect(response.status).toBe(404);
      const body = (await response.json()) as {
        error: { code: string; message: string; knownCameraIds: string[] };
      };
      expect(body.error.code).toBe('CAMERA_NOT_FOUND');
      expect(body.error.message).toContain('"nope"');
      expect(body.error.message).toContain('gate, yard');
      expect(body.error.knownCameraIds).toEqual(['gate', 'yard']);
    });
  });

  describe('GET /cameras/:id/latest.jpg', () => {
    it('encodes the latest frame as a JPEG of the frame size', async () => {
      const width = 64;
      const height = 48;
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i += 3) {
        data[i] = 200;
        data[i + 1] = 40;
        data[i + 2] = 90;
      }
      source.frames.set('gate', { data, width, height, time: T0 + 1500 });
      const response = await get('/cameras/gate/latest.jpg');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('x-frame-time')).toBe(new Date(T0 + 1500).toISOString());
      const jpeg = Buffer.from(await response.arrayBuffer());
      const metadata = await sharp(jpeg).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width, height });
      const { data: pixels } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      const [r = 0, g = 0, b = 0] = pixels;
      expect(Math.abs(r - 200)).toBeLessThan(8);
      expect(Math.abs(g - 40)).toBeLessThan(8);
      expect(Math.abs(b - 90)).toBeLessThan(8);
    });

    it('answers 404 for an unknown camera', async () => {
      const response = await get('/cameras/nope/latest.jpg');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'CAMERA_NOT_FOUND', cameraId: 'nope' } });
    });

    it('answers 503 before the first frame', async () => {
      const response = await get('/cameras/yard/latest.jpg');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('FRAME_NOT_YET');
      expect(body.error.message).toContain('"yard"');
    });

    it('answers 500 JSON for a frame whose size does not match its data', async () => {
      source.frames.set('gate', { data: new Uint8Array(10), width: 64, height: 48, time: T0 });
      const response = await get('/cameras/gate/latest.jpg');
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: { code: 'INTERNAL' } });
    });
  });
});
