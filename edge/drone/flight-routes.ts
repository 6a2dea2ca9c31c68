import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EdgeError } from '../errors.ts';
import type { FlightService } from './flight-service.ts';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/tiff', 'application/octet-stream'];

const FlightParams = z.object({
  flightId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-", at most 128'),
});
const ImageParams = FlightParams.extend({
  fileName: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(jpe?g|png|tiff?)$/i,
      'a plain file name ending .jpg, .jpeg, .png or .tif(f)',
    ),
});
const ProcessBody = z
  .strictObject({ areaId: z.string().min(1).optional(), accept: z.boolean().optional() })
  .nullish()
  .transform((b) => b ?? {});

export interface FlightRoutesOptions {
  /** Where uploaded flights are stored, one folder per flight id (the watcher's inbox works). */
  uploadDir: string;
  /** Largest image accepted, bytes; default 64 MiB. */
  maxImageBytes?: number;
}

function fail(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}

/**
 * The upload endpoint of a flight on the edge's local API:
 * `PUT /flights/:flightId/images/:fileName` with the image bytes as the body stores one image;
 * `POST /flights/:flightId/process` (optional JSON `{ areaId, accept }`) compares the flight and
 * answers each image's outcome and the events raised. Registered as a plugin: it is loaded when
 * the app is made ready (listen, inject or ready).
 */
export function registerFlightRoutes(
  app: FastifyInstance,
  service: FlightService,
  options: FlightRoutesOptions,
): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(
      IMAGE_TYPES,
      { parseAs: 'buffer', bodyLimit: options.maxImageBytes ?? 64 * 1024 * 1024 },
      (_request, body, done) => done(null, body),
    );

    scope.put('/flights/:flightId/images/:fileName', async (request, reply) => {
      const params = ImageParams.safeParse(request.params);
      if (!params.success)
        return reply.code(400).send(fail('FLIGHT_UPLOAD_INVALID', z.prettifyError(params.error)));
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return reply
          .code(400)
          .send(
            fail(
              'FLIGHT_UPLOAD_INVALID',
              `the body must be the image bytes, sent as ${IMAGE_TYPES.join(', ')}`,
            ),
          );
      }
      const dir = path.join(options.uploadDir, params.data.flightId);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, params.data.fileName), body);
      return reply
        .code(201)
        .send({ flight: params.data.flightId, image: params.data.fileName, bytes: body.length });
    });

    scope.post('/flights/:flightId/process', async (request, reply) => {
      const params = FlightParams.safeParse(request.params);
      if (!params.success)
        return reply.code(400).send(fail('FLIGHT_UPLOAD_INVALID', z.prettifyError(params.error)));
      const body = ProcessBody.safeParse(request.body);
      if (!body.success)
        return reply.code(400).send(fail('FLIGHT_UPLOAD_INVALID', z.prettifyError(body.error)));
      try {
        const report = await service.processFlight(path.join(options.uploadDir, params.data.flightId), {
          ...(body.data.areaId ? { areaId: body.data.areaId } : {}),
          ...(body.data.accept ? { accept: true } : {}),
        });
        return reply.send(report);
      } catch (error) {
        if (error instanceof EdgeError) {
          return reply
            .code(error.code === 'FLIGHT_NOT_FOUND' ? 404 : 422)
            .send(fail(error.code, error.message));
        }
        throw error;
      }
    });
  });
}
