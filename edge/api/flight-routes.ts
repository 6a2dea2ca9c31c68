import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FlightService } from '../drone/flight-service.ts';
import { sendError } from './api-errors.ts';

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
  .nullish();

export interface FlightRoutesOptions {
  service: FlightService;
  /** Where uploaded flights are stored, one folder per flight id (the watcher's inbox works). */
  uploadDir: string;
  /** Largest image accepted, bytes; default 64 MiB. */
  maxImageBytes?: number;
}

/**
 * The upload endpoint of a flight on the edge's local API:
 * `PUT /flights/:flightId/images/:fileName` with the image bytes as the body stores one image;
 * `POST /flights/:flightId/process` (optional JSON `{ areaId, accept }`) compares the flight and
 * answers each image's outcome and the events raised.
 */
export async function flightRoutes(
  app: FastifyInstance,
  { service, uploadDir, maxImageBytes }: FlightRoutesOptions,
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    IMAGE_TYPES,
    { parseAs: 'buffer', bodyLimit: maxImageBytes ?? 64 * 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler(async (error, _request, reply) => {
    if (!hasZodFastifySchemaValidationErrors(error)) throw error;
    const issues = error.validation.map((v) => ({
      code: 'custom' as const,
      path: v.instancePath.split('/').filter((key) => key !== ''),
      message: v.message ?? 'is invalid',
      input: undefined,
    }));
    return sendError(reply, 'FLIGHT_UPLOAD_INVALID', z.prettifyError(new z.ZodError(issues)));
  });

  r.put(
    '/flights/:flightId/images/:fileName',
    {
      schema: {
        tags: ['flights'],
        summary: 'Store one image of a flight (the body is the image bytes)',
        params: ImageParams,
      },
    },
    async (request, reply) => {
      const { flightId, fileName } = request.params;
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return sendError(
          reply,
          'FLIGHT_UPLOAD_INVALID',
          `the body must be the image bytes, sent as ${IMAGE_TYPES.join(', ')}`,
        );
      }
      const dir = path.join(uploadDir, flightId);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, fileName), body);
      return reply.code(201).send({ flight: flightId, image: fileName, bytes: body.length });
    },
  );

  r.post(
    '/flights/:flightId/process',
    {
      schema: {
        tags: ['flights'],
        summary: "Compare the flight's images with their baselines; answers each image and the events",
        params: FlightParams,
        body: ProcessBody,
      },
    },
    async (request) => {
      const { areaId, accept } = request.body ?? {};
      return service.processFlight(path.join(uploadDir, request.params.flightId), {
        ...(areaId ? { areaId } : {}),
        ...(accept ? { accept: true } : {}),
      });
    },
  );
}
