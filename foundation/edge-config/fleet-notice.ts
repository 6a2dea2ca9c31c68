import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Id } from './config-fields.ts';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * The retained notice on `fleet/{edgeId}/config` (topics.fleetConfig): the cloud has a desired
 * configuration of this version for the edge. The edge pulls the body over HTTP with its own token
 * (fleetConfigPath) and checks it against `sha256`.
 */
export const FleetConfigNoticeSchema = z.object({
  edgeId: Id,
  version: z.number().int().positive(),
  sha256: Sha256,
});
export type FleetConfigNotice = z.infer<typeof FleetConfigNoticeSchema>;

/** What the edge pulls: one version of its desired configuration, as saved. */
export const DesiredConfigSchema = FleetConfigNoticeSchema.extend({
  /** The managed sections (FleetConfigSchema's input), as the user saved them. */
  config: z.record(z.string(), z.unknown()),
  savedBy: z.string(),
  savedAt: z.iso.datetime({ offset: true }),
});
export type DesiredConfig = z.infer<typeof DesiredConfigSchema>;

/** The API path (under /api/v1) an edge pulls its desired configuration from, with its edge token. */
export function fleetConfigPath(edgeId: string): string {
  return `/edges/${encodeURIComponent(edgeId)}/desired-config`;
}

/**
 * sha256 of a value's canonical JSON (object keys sorted, no spaces): equal for equal content,
 * whichever order its keys were written in, on the cloud and on the edge alike.
 */
export function configSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
