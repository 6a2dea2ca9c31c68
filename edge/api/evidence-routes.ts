import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EvidenceFiles } from '../evidence/evidence-files.ts';
import { sendError } from './api-errors.ts';

// Any string: a name that is not a sha256 is answered like an unknown one, 404.
const params = z.object({ sha256: z.string() });

/** `GET /evidence/:sha256`: a snapshot or clip kept on this box, by the hash of its bytes. */
export async function evidenceRoutes(
  app: FastifyInstance,
  { evidence }: { evidence?: EvidenceFiles | undefined },
) {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/evidence/:sha256',
      { schema: { tags: ['evidence'], summary: 'An evidence file by its sha256', params } },
      async (request, reply) => {
        const { sha256 } = request.params;
        const file = /^[0-9a-f]{64}$/.test(sha256) ? await evidence?.find(sha256) : undefined;
        if (!file)
          return sendError(reply, 'EVIDENCE_NOT_FOUND', `no evidence file ${sha256} on this edge box`);
        return reply
          .header('content-type', file.contentType)
          .header('content-length', String(file.size))
          .header('cache-control', 'private, max-age=31536000, immutable')
          .send(createReadStream(file.file));
      },
    );
}
