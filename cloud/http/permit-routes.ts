import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CloudError } from '../errors.ts';
import {
  PermitBodySchema,
  PermitOutSchema,
  PermitViewSchema,
  PlateSchema,
} from '../permits/permit-schema.ts';
import type { Role } from '../tickets/roles.ts';
import type { RouteDeps } from './route-deps.ts';
import { ErrorBodySchema, PageQuerySchema } from './schemas.ts';

/** Who may change the registry; every user may read it. */
const EDITORS: readonly Role[] = ['supervisor', 'admin'];
/** A whole registry of a city's trucks, routes and all, is larger than an API body. */
const REGISTRY_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const refused = { 401: ErrorBodySchema, 403: ErrorBodySchema };
const PlateParams = z.object({ plate: PlateSchema });

const PermitEditSchema = z.object({
  id: z.number().int(),
  plate: z.string(),
  /** put, delete: over the API; upload, file: a whole registry taken in. */
  action: z.enum(['put', 'delete', 'upload', 'file']),
  before: PermitOutSchema.nullable(),
  after: PermitOutSchema.nullable(),
  at: z.string(),
  by: z.string(),
});

const RegistryLoadSchema = z.object({
  source: z.enum(['upload', 'file']),
  name: z.string(),
  sha256: z.string(),
  permits: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  at: z.string(),
  by: z.string(),
});

/**
 * The muck-truck permit registry: every user reads it, supervisors and admins edit one permit or
 * replace it whole (YAML or JSON, as the registry file is written). A registry with an invalid row
 * is refused whole (422 PERMITS_INVALID naming each row and field); the one in force stays.
 */
export async function permitRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const anyUser = auth.requireUser();
  const editor = auth.requireUser(EDITORS);
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const by = (user: { name: string } | undefined) => user?.name ?? 'unknown';

  r.get(
    '/permits',
    {
      onRequest: anyUser,
      schema: {
        tags: ['permits'],
        summary: 'The permit registry, by plate; with the last whole registry taken in',
        querystring: PageQuerySchema.extend({ company: z.string().optional() }),
        response: {
          200: z.object({
            total: z.number().int(),
            permits: z.array(PermitViewSchema),
            lastLoad: RegistryLoadSchema.nullable(),
          }),
          ...refused,
        },
      },
    },
    async (request) => ({
      ...(await core.permits.list(request.query)),
      lastLoad: (await core.permits.lastLoad()) ?? null,
    }),
  );

  r.put(
    '/permits',
    {
      onRequest: editor,
      bodyLimit: REGISTRY_BODY_LIMIT_BYTES,
      schema: {
        tags: ['permits'],
        summary:
          'Replace the whole registry: YAML (application/yaml) or JSON, { permits: [...] } as the registry file; all or nothing',
        consumes: ['application/json', ...YAML_TYPES],
        body: z.union([z.string(), z.looseObject({})]).describe('the registry, as its file is written'),
        response: {
          200: z.object({
            permits: z.number().int(),
            added: z.number().int(),
            changed: z.number().int(),
            removed: z.number().int(),
          }),
          ...refused,
          422: ErrorBodySchema,
        },
      },
    },
    async (request) => core.permits.upload(request.body, by(request.user), core.clock()),
  );

  r.get(
    '/permits/:plate',
    {
      onRequest: anyUser,
      schema: {
        tags: ['permits'],
        summary: "One plate's permit",
        params: PlateParams,
        response: { 200: PermitViewSchema, ...refused, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const permit = await core.permits.get(request.params.plate);
      if (!permit) throw notFound(request.params.plate);
      return permit;
    },
  );

  r.get(
    '/permits/:plate/history',
    {
      onRequest: anyUser,
      schema: {
        tags: ['permits'],
        summary: "Who changed a plate's permit, how and when, oldest first",
        params: PlateParams,
        response: { 200: z.array(PermitEditSchema), ...refused },
      },
    },
    async (request) => core.permits.history(request.params.plate),
  );

  r.put(
    '/permits/:plate',
    {
      onRequest: editor,
      schema: {
        tags: ['permits'],
        summary: "Add or replace a plate's permit (201 when added)",
        params: PlateParams,
        body: PermitBodySchema,
        response: { 200: PermitViewSchema, 201: PermitViewSchema, ...refused },
      },
    },
    async (request, reply) => {
      const { permit, created } = await core.permits.put(
        request.params.plate,
        request.body,
        by(request.user),
        core.clock(),
      );
      return reply.code(created ? 201 : 200).send(permit);
    },
  );

  r.delete(
    '/permits/:plate',
    {
      onRequest: editor,
      schema: {
        tags: ['permits'],
        summary: "Remove a plate's permit",
        params: PlateParams,
        response: { 204: z.null(), ...refused, 404: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const removed = await core.permits.remove(request.params.plate, by(request.user), core.clock());
      if (!removed) throw notFound(request.params.plate);
      return reply.code(204).send(null);
    },
  );
}

function notFound(plate: string): CloudError {
  return new CloudError('PERMIT_NOT_FOUND', `no permit for ${plate}`, { plate });
}
