import type { FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeviceEventTypeSchema, EventTypeSchema } from '../../foundation/contract/events.ts';
import { CloudError } from '../errors.ts';
import { CATEGORY_NAMES, REPORT_CATEGORIES } from '../tickets/categories.ts';
import { FINAL_STATES, TICKET_STATES } from '../tickets/ticket-state-machine.ts';
import { asInputError, statusOf } from './http-errors.ts';
import { projectTicket } from './open311-project-ticket.ts';
import { Open311CreateSchema, Open311RequestsQuerySchema } from './open311-schema.ts';
import { toXml } from './open311-xml.ts';
import type { RouteDeps } from './route-deps.ts';
import { IdParamsSchema } from './schemas.ts';

const FORMATS = ['json', 'xml'] as const;
type Format = (typeof FORMATS)[number];
const DEFAULT_WINDOW_DAYS = 90;
const MAX_RESULTS = 1000;

/** GeoReport v2 errors: `[{ code, description }]`. */
function open311Error(reply: FastifyReply, format: Format, code: number, description: string) {
  return send(reply.code(code), format, 'errors', 'error', [{ code, description }]);
}

function send(
  reply: FastifyReply,
  format: Format,
  root: string,
  item: string,
  records: Record<string, unknown>[],
) {
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(toXml(root, item, records));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(records));
}

function services() {
  const ai = new Set<string>(EventTypeSchema.options);
  const iot = new Set<string>(DeviceEventTypeSchema.options);
  return [...EventTypeSchema.options, ...DeviceEventTypeSchema.options, ...REPORT_CATEGORIES].map((code) => ({
    service_code: code,
    service_name: CATEGORY_NAMES[code] ?? code,
    description: CATEGORY_NAMES[code] ?? code,
    metadata: false,
    type: 'realtime',
    keywords: ai.has(code) ? 'ai,video' : iot.has(code) ? 'iot,sensor' : 'report',
    group: ai.has(code) ? 'AI detections' : iot.has(code) ? 'IoT sensors' : 'Reports',
  }));
}

/** Drops the parameters sent empty (`lat=&long=&address_string=…`): an empty parameter is an absent one. */
function dropEmpty(parameters: unknown): void {
  if (parameters === null || typeof parameters !== 'object') return;
  const record = parameters as Record<string, unknown>;
  for (const [name, value] of Object.entries(record)) {
    if (typeof value === 'string' && value.trim() === '') delete record[name];
  }
}

/** Open311 GeoReport v2 under the prefix it is registered at, in JSON and XML. */
export async function registerOpen311Routes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.addHook('preValidation', async (request) => {
    dropEmpty(request.query);
    dropEmpty(request.body);
  });
  app.setErrorHandler(async (thrown, request, reply) => {
    const error = asInputError(thrown) as typeof thrown;
    const format: Format = request.url.split('?')[0]?.endsWith('.xml') ? 'xml' : 'json';
    if (hasZodFastifySchemaValidationErrors(error)) {
      const description = error.validation
        .map((v) => `${v.instancePath.replace(/^\//, '') || error.validationContext}: ${v.message}`)
        .join('; ');
      return open311Error(reply, format, 400, description);
    }
    if (error instanceof CloudError) {
      const status = statusOf(error);
      if (status >= 500) request.log.error({ err: error }, 'open311 request failed');
      return open311Error(reply, format, status, error.message);
    }
    request.log.error({ err: error }, 'open311 request failed');
    return open311Error(reply, format, 500, 'the server failed');
  });

  for (const format of FORMATS) {
    r.get(`/discovery.${format}`, { schema: { tags: ['open311'] } }, async (request, reply) => {
      const base = `${request.protocol}://${request.host}/open311/v2`;
      const discovery = {
        changeset: '2026-11-21T00:00:00Z',
        contact: 'the command centre',
        key_service: 'ask the command centre for an api_key',
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url: base,
            changeset: '2026-11-21T00:00:00Z',
            type: 'production',
            formats: ['application/json', 'text/xml'],
          },
        ],
      };
      if (format === 'json') return reply.send(discovery);
      return reply.type('text/xml; charset=utf-8').send(toXml('discovery', 'endpoint', discovery.endpoints));
    });

    r.get(`/services.${format}`, { schema: { tags: ['open311'] } }, async (_request, reply) =>
      send(reply, format, 'services', 'service', services()),
    );

    r.get(
      `/services/:code.${format}`,
      { schema: { tags: ['open311'], params: z.object({ code: z.string() }) } },
      async (request, reply) => {
        const service = services().find((s) => s.service_code === request.params.code);
        if (!service) return open311Error(reply, format, 404, `no service_code "${request.params.code}"`);
        return send(reply, format, 'service_definition', 'service_definition', [
          { service_code: service.service_code, attributes: [] },
        ]);
      },
    );

    r.get(
      `/requests.${format}`,
      { schema: { tags: ['open311'], querystring: Open311RequestsQuerySchema } },
      async (request, reply) => {
        const q = request.query;
        const ids = q.service_request_id?.length ? q.service_request_id : undefined;
        const end = q.end_date ? new Date(q.end_date) : undefined;
        const start = q.start_date
          ? new Date(q.start_date)
          : ids
            ? undefined
            : new Date((end ?? core.clock()).getTime() - DEFAULT_WINDOW_DAYS * 86_400_000);
        const codes = q.service_code?.split(',').map((s) => s.trim());
        const states =
          q.status === undefined
            ? undefined
            : TICKET_STATES.filter((s) => FINAL_STATES.includes(s) === (q.status === 'closed'));
        const { tickets } = await core.tickets.list({
          ids,
          state: states,
          createdFrom: start,
          createdTo: end,
          limit: MAX_RESULTS,
        });
        const chosen = codes ? tickets.filter((t) => codes.includes(t.category)) : tickets;
        return send(
          reply,
          format,
          'service_requests',
          'request',
          chosen.map((t) => projectTicket(t, core.config.routing)),
        );
      },
    );

    r.get(
      `/requests/:id.${format}`,
      { schema: { tags: ['open311'], params: IdParamsSchema } },
      async (request, reply) => {
        const ticket = await core.tickets.get(request.params.id);
        if (!ticket) return open311Error(reply, format, 404, `no service request ${request.params.id}`);
        return send(reply, format, 'service_requests', 'request', [
          projectTicket(ticket, core.config.routing),
        ]);
      },
    );

    r.post(
      `/requests.${format}`,
      {
        schema: { tags: ['open311'], body: Open311CreateSchema },
        // The client is known before its request is validated: a bad key learns nothing of the schema.
        preValidation: async (request, reply) => {
          const key = (request.body as Record<string, unknown> | undefined)?.api_key;
          if (!auth.open311Client(typeof key === 'string' ? key : undefined))
            return open311Error(reply, format, 403, 'api_key is not valid');
        },
      },
      async (request, reply) => {
        const body = request.body;
        const client = auth.open311Client(body.api_key) as string;
        const reporter =
          [body.first_name, body.last_name].filter(Boolean).join(' ') ||
          body.email ||
          body.phone ||
          body.account_id;
        const ticket = await core.tickets.createReport(
          {
            source: 'citizen',
            category: body.service_code,
            description: body.description,
            address: body.address_string,
            location:
              body.lat !== undefined && body.long !== undefined
                ? { lat: body.lat, lon: body.long }
                : undefined,
            reporter,
            mediaUrl: body.media_url,
          },
          { name: `open311:${client}`, role: 'citizen' },
          core.clock(),
        );
        core.live.publish({ kind: 'ticket.created', ticket });
        reply.code(201);
        return send(reply, format, 'service_requests', 'request', [
          {
            service_request_id: String(ticket.id),
            service_notice: 'received; the command centre reviews it',
            account_id: body.account_id ?? null,
          },
        ]);
      },
    );
  }
}
