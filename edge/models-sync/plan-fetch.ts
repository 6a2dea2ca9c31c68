import { EVIDENCE_UPLOAD_PATH_PREFIX } from '../../foundation/contract/evidence-upload.ts';
import type { WantedModel } from '../../foundation/models/model-distribution.ts';

/** The wanted model versions not in the cache (by manifest sha256), each once, in the order wanted. */
export function modelsToFetch(wanted: readonly WantedModel[], cached: ReadonlySet<string>): WantedModel[] {
  const seen = new Set(cached);
  const missing: WantedModel[] = [];
  for (const model of wanted) {
    if (seen.has(model.manifestSha256)) continue;
    seen.add(model.manifestSha256);
    missing.push(model);
  }
  return missing;
}

/** The URL of an edge's API path `rest` beside the cloud's evidence endpoint `uploadUrl` (…/api/v1/evidence). */
export function edgeApiUrl(uploadUrl: string, edgeId: string, rest: string): string {
  const url = new URL(uploadUrl);
  const apiRoot = EVIDENCE_UPLOAD_PATH_PREFIX.slice(0, EVIDENCE_UPLOAD_PATH_PREFIX.lastIndexOf('/'));
  const base = url.pathname.endsWith(EVIDENCE_UPLOAD_PATH_PREFIX)
    ? url.pathname.slice(0, -EVIDENCE_UPLOAD_PATH_PREFIX.length)
    : url.pathname.replace(/\/+$/, '');
  return new URL(`${base}${apiRoot}/edges/${encodeURIComponent(edgeId)}/${rest}`, url).href;
}
