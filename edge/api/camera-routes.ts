import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import sharp from 'sharp';
import { z } from 'zod';
import type { LiveView } from '../live/live-relays.ts';
import { sendError } from './api-errors.ts';
import type { ApiSource } from './api-source.ts';
import type { CameraView, CameraViews } from './camera-views.ts';
import { jsmpegPlayerPath, livePage } from './live-page.ts';

export interface CameraRoutesOptions {
  source: ApiSource;
  views: CameraViews;
  /** Live view relays; absent: no live pages. */
  live?: LiveView | undefined;
}

const JPEG_QUALITY = 80;
const params = z.object({ id: z.string() });

/**
 * The cameras: their state and counters, the latest frame as a JPEG and the live view page.
 */
export async function cameraRoutes(app: FastifyInstance, { source, views, live }: CameraRoutesOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The camera, or undefined once the 404 naming the known ids is sent. */
  const findCamera = (id: string, reply: FastifyReply): CameraView | undefined => {
    const cameras = views.all();
    const camera = cameras.find((c) => c.id === id);
    if (camera !== undefined) return camera;
    const known = cameras.map((c) => c.id);
    sendError(reply, 'CAMERA_NOT_FOUND', `no camera "${id}"; known: ${known.join(', ') || '(none)'}`, {
      cameraId: id,
      knownCameraIds: known,
    });
    return undefined;
  };

  r.get(
    '/cameras',
    { schema: { tags: ['cameras'], summary: 'Every camera with its state, counters and analysed fps' } },
    async () => views.all(),
  );

  /** A handler of `/cameras/:id…` that answers the 404 itself, so `answer` has the camera. */
  const onCamera =
    (answer: (camera: CameraView, reply: FastifyReply) => unknown) =>
    async (request: { params: { id: string } }, reply: FastifyReply) => {
      const camera = findCamera(request.params.id, reply);
      return camera === undefined ? reply : answer(camera, reply);
    };

  r.get(
    '/cameras/:id',
    { schema: { tags: ['cameras'], summary: 'One camera', params } },
    onCamera((camera) => camera),
  );

  r.get(
    '/cameras/:id/latest.jpg',
    { schema: { tags: ['cameras'], summary: "The camera's latest frame as a JPEG", params } },
    onCamera(async (camera, reply) => {
      const frame = source.latestFrame(camera.id);
      if (frame === undefined) {
        reply.header('retry-after', '1');
        const message = `camera "${camera.id}" has not delivered a frame yet (state ${camera.state})`;
        return sendError(reply, 'FRAME_NOT_YET', message);
      }
      const expected = frame.width * frame.height * 3;
      if (frame.data.length !== expected) {
        throw new Error(
          `camera "${camera.id}" frame is ${frame.data.length} bytes, not ${frame.width}x${frame.height}x3 = ${expected}`,
        );
      }
      const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg({ quality: JPEG_QUALITY })
        .toBuffer();
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'no-store')
        .header('x-frame-time', new Date(frame.time).toISOString())
        .send(jpeg);
    }),
  );

  r.get(
    '/cameras/:id/live',
    { schema: { tags: ['cameras'], summary: "A page playing the camera's live view", params } },
    onCamera((camera, reply) => {
      const relay = live?.relay(camera.id);
      if (!relay)
        return sendError(reply, 'LIVE_VIEW_OFF', 'the live view is off on this edge box (live.enabled)');
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(livePage(camera.name ?? camera.id, relay.port));
    }),
  );

  r.get('/live/jsmpeg-player.js', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(jsmpegPlayerPath())),
  );
}
