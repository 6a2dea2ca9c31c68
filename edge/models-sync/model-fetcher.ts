import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AnyModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import {
  type EdgeModels,
  EdgeModelsSchema,
  type WantedModel,
} from '../../foundation/models/model-distribution.ts';
import { EdgeError } from '../errors.ts';
import { cachedManifests, installModel } from './model-cache.ts';
import { edgeApiUrl, modelsToFetch } from './plan-fetch.ts';

export interface CloudLink {
  edgeId: string;
  /** The cloud's evidence endpoint from the edge config (evidence.upload.url): the API beside it is asked. */
  uploadUrl: string;
  token?: string | undefined;
}

export type FetchOutcome =
  | { model: WantedModel; ok: true; manifestPath: string }
  | {
      model: WantedModel;
      ok: false;
      code: 'MODEL_DOWNLOAD_FAILED' | 'MODEL_DOWNLOAD_MISMATCH';
      message: string;
    };

const REQUEST_TIMEOUT_MS = 120_000;
/** The assignments are a small JSON: a cloud that does not answer soon is not waited for (a start asks too). */
const ASSIGNMENTS_TIMEOUT_MS = 10_000;
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The model versions the cloud assigned to this edge's cameras. */
export async function fetchAssignments(link: CloudLink): Promise<EdgeModels> {
  const url = edgeApiUrl(link.uploadUrl, link.edgeId, 'models');
  const body = JSON.parse((await download(link, url, ASSIGNMENTS_TIMEOUT_MS)).toString('utf8'));
  const parsed = EdgeModelsSchema.safeParse(body);
  if (!parsed.success) {
    throw new EdgeError(
      'MODEL_DOWNLOAD_FAILED',
      `${url}: the answer does not fit: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/**
 * Downloads the wanted model versions the cache under `dataDir` lacks, verifying every hash
 * against what was wanted (not against what the server says) before anything is installed. A
 * model refused or not downloaded is reported and leaves the cache as it was; the others go on.
 */
export async function fetchModels(
  link: CloudLink,
  dataDir: string,
  wanted: readonly WantedModel[],
): Promise<FetchOutcome[]> {
  const outcomes: FetchOutcome[] = [];
  for (const model of modelsToFetch(wanted, await cachedManifests(dataDir))) {
    try {
      outcomes.push({ model, ok: true, manifestPath: await fetchOne(link, dataDir, model) });
    } catch (error) {
      if (
        !(error instanceof EdgeError) ||
        (error.code !== 'MODEL_DOWNLOAD_FAILED' && error.code !== 'MODEL_DOWNLOAD_MISMATCH')
      )
        throw error;
      outcomes.push({ model, ok: false, code: error.code, message: error.message });
    }
  }
  return outcomes;
}

async function fetchOne(link: CloudLink, dataDir: string, model: WantedModel): Promise<string> {
  const label = `${model.name}@${model.version}`;
  const fileUrl = (sha: string) => edgeApiUrl(link.uploadUrl, link.edgeId, `model-files/${sha}`);
  const manifestBytes = verified(
    await download(link, fileUrl(model.manifestSha256)),
    model.manifestSha256,
    `${label}: manifest`,
  );
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw mismatch(`${label}: the manifest is not JSON: ${(error as Error).message}`);
  }
  const parsed = AnyModelManifestSchema.safeParse(json);
  if (!parsed.success)
    throw mismatch(
      `${label}: the manifest does not match the manifest schema:\n${z.prettifyError(parsed.error)}`,
    );
  const manifest = parsed.data;
  if (manifest.name !== model.name || manifest.version !== model.version) {
    throw mismatch(`${label}: the manifest is ${manifest.name}@${manifest.version}`);
  }
  if (manifest.sha256 !== model.fileSha256) {
    throw mismatch(
      `${label}: the manifest names model file ${manifest.sha256}, the assignment ${model.fileSha256}`,
    );
  }
  const fileBytes = verified(
    await download(link, fileUrl(model.fileSha256)),
    model.fileSha256,
    `${label}: model file ${manifest.file}`,
  );
  return installModel(dataDir, model.manifestSha256, manifestBytes, manifest.file, fileBytes);
}

function verified(bytes: Buffer, expected: string, what: string): Buffer {
  const actual = sha256Of(bytes);
  if (actual !== expected) {
    throw mismatch(
      `${what}: the ${bytes.length} bytes downloaded hash to ${actual}, not ${expected}; refused`,
    );
  }
  return bytes;
}

const mismatch = (message: string) => new EdgeError('MODEL_DOWNLOAD_MISMATCH', message);

async function download(link: CloudLink, url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: link.token ? { authorization: `Bearer ${link.token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new EdgeError('MODEL_DOWNLOAD_FAILED', `${url}: ${(error as Error).message}`, { cause: error });
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    throw new EdgeError(
      'MODEL_DOWNLOAD_FAILED',
      `${url} answered ${response.status}: ${bytes.toString('utf8').slice(0, 200)}`,
    );
  }
  return bytes;
}
