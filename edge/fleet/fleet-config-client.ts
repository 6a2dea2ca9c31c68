import { EVIDENCE_UPLOAD_PATH_PREFIX } from '../../foundation/contract/evidence-upload.ts';
import {
  configSha256,
  type DesiredConfig,
  DesiredConfigSchema,
  type FleetConfigNotice,
  fleetConfigPath,
} from '../../foundation/edge-config/fleet-notice.ts';

const REQUEST_TIMEOUT_MS = 15_000;

/** The desired-config URL of an edge, beside the evidence endpoint `uploadUrl` (…/api/v1/evidence). */
export function desiredConfigUrl(uploadUrl: string, edgeId: string): string {
  const url = new URL(uploadUrl);
  const apiRoot = EVIDENCE_UPLOAD_PATH_PREFIX.slice(0, EVIDENCE_UPLOAD_PATH_PREFIX.lastIndexOf('/'));
  const base = url.pathname.endsWith(EVIDENCE_UPLOAD_PATH_PREFIX)
    ? url.pathname.slice(0, -EVIDENCE_UPLOAD_PATH_PREFIX.length)
    : url.pathname.replace(/\/+$/, '');
  return new URL(`${base}${apiRoot}${fleetConfigPath(edgeId)}`, url).href;
}

/**
 * Pulls the configuration a notice announced, with the edge's own token, and checks it is that
 * very one: its version, and a body that hashes to the notice's sha256. Throws with the reason.
 */
export async function fetchDesiredConfig(
  url: string,
  token: string,
  notice: FleetConfigNotice,
): Promise<DesiredConfig> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  const parsed = DesiredConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `GET ${url}: the answer does not fit: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  const desired = parsed.data;
  if (desired.version !== notice.version) {
    throw new Error(`GET ${url} gave version ${desired.version}, the notice announced ${notice.version}`);
  }
  const sha256 = configSha256(desired.config);
  if (sha256 !== notice.sha256 || sha256 !== desired.sha256) {
    throw new Error(`version ${desired.version} hashes to ${sha256}, the notice announced ${notice.sha256}`);
  }
  return desired;
}
