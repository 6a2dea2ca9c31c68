import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LabelInputSchema, SnapshotLabelsSchema } from '../labels/label-schema.ts';
import { LabelService } from '../services/label-service.ts';
import { TRANSITIONS } from '../tickets/ticket-state-machine.ts';
import type { RouteDeps } from './route-deps.ts';
import { DbIdSchema, ErrorBodySchema } from './schemas.ts';

const ParamsSchema = z.object({
  id: DbIdSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "the snapshot's sha256, 64 lower-case hex digits"),
});

const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

/**
 * Training labels on a ticket's snapshots: the AI's boxes with a verdict each (right, wrong label,
 * not an object) and the boxes reviewers drew for what the AI missed. Those who may review a
 * ticket may label it; everyone who may see the ticket may read them.
 */
export async function labelRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const labels = new LabelService(core.store, core.tickets);

  r.get(
    '/tickets/:id/snapshots/:sha256/labels',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['labels'],
        summary: "A snapshot of the ticket: the AI's boxes, the review, the labels and who labelled when",
        params: ParamsSchema,
        response: { 200: SnapshotLabelsSchema, ...errors },
      },
    },
    async (request) =>
      labels.forTicket(
        request.user as NonNullable<typeof request.user>,
        request.params.id,
        request.params.sha256,
      ),
  );

  r.put(
    '/tickets/:id/snapshots/:sha256/labels',
    {
      onRequest: auth.requireUser(TRANSITIONS.confirm.roles),
      schema: {
        tags: ['labels'],
        summary:
          'Save the labels of a snapshot as a new revision (409 when someone saved since baseRevision)',
        params: ParamsSchema,
        body: LabelInputSchema,
        response: { 200: SnapshotLabelsSchema, ...errors, 409: ErrorBodySchema, 422: ErrorBodySchema },
      },
    },
    async (request) =>
      labels.save(
        request.user as NonNullable<typeof request.user>,
        request.params.id,
        request.params.sha256,
        request.body,
        core.clock(),
      ),
  );
}
