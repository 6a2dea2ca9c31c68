import { EVIDENCE_UPLOAD_PATH_PREFIX } from '../../foundation/contract/evidence-upload.ts';
import { EdgeSuppressionRegionsSchema } from '../../foundation/suppression/suppression-region.ts';
import type { LearnedRegions } from './learned-regions.ts';
import { writeSuppressionFile } from './suppression-file.ts';

export interface SuppressionSyncOptions {
  edgeId: string;
  /** The cloud's evidence endpoint from the edge config (evidence.upload.url): the API beside it is asked. */
  uploadUrl?: string | undefined;
  token?: string | undefined;
  /** Where the regions are kept (see suppressionFilePath). */
  file: string;
  regions: LearnedRegions;
  intervalMs: number;
  onWarning: (message: string) => void;
  onUpdate?: (count: number) => void;
}

/** Five minutes: a region removed in the UI stops within that on every edge. */
export const DEFAULT_SUPPRESSION_POLL_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

/** The regions URL of an edge, beside the evidence endpoint `uploadUrl` (…/api/v1/evidence). */
export function suppressionRegionsUrl(uploadUrl: string, edgeId: string): string {
  const url = new URL(uploadUrl);
  const apiRoot = EVIDENCE_UPLOAD_PATH_PREFIX.slice(0, EVIDENCE_UPLOAD_PATH_PREFIX.lastIndexOf('/'));
  const base = url.pathname.endsWith(EVIDENCE_UPLOAD_PATH_PREFIX)
    ? url.pathname.slice(0, -EVIDENCE_UPLOAD_PATH_PREFIX.length)
    : url.pathname.replace(/\/+$/, '');
  return new URL(`${base}${apiRoot}/edges/${encodeURIComponent(edgeId)}/suppression-regions`, url).href;
}

/**
 * Keeps an edge's suppression regions in step with the cloud: at start and every `intervalMs`,
 * reports when its regions last matched, fetches its cameras' regions and stores them. A cloud
 * that cannot be reached, or answers nonsense, changes nothing: the box goes on with what it has.
 * Without a cloud (no upload url) it only stores the matches, which expiry goes by.
 */
export class SuppressionSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly url: string | undefined;

  constructor(private readonly options: SuppressionSyncOptions) {
    this.url = options.uploadUrl ? suppressionRegionsUrl(options.uploadUrl, options.edgeId) : undefined;
  }

  start(): void {
    this.trigger();
    this.timer = setInterval(() => this.trigger(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One round now (after the one running, if any). */
  trigger(): Promise<void> {
    this.running = this.running.then(() => this.syncOnce());
    return this.running;
  }

  /** Stops polling and stores the latest matches. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.save();
  }

  private async syncOnce(): Promise<void> {
    if (this.url) await this.fetchRegions(this.url);
    await this.save();
  }

  private async fetchRegions(url: string): Promise<void> {
    const { regions, onWarning } = this.options;
    try {
      const matches = regions.matches();
      if (matches.length > 0) await this.request(`${url}/matches`, 'POST', { matches });
      const body = await this.request(url, 'GET');
      const parsed = EdgeSuppressionRegionsSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`the answer does not fit: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
      }
      regions.replace(parsed.data, new Date());
      this.options.onUpdate?.(parsed.data.regions.length);
    } catch (error) {
      onWarning(`suppression regions from ${url}: ${(error as Error).message}; the stored ones stay in use`);
    }
  }

  private async save(): Promise<void> {
    if (!this.options.regions.dirty) return;
    try {
      await writeSuppressionFile(this.options.file, this.options.regions.snapshot());
    } catch (error) {
      this.options.onWarning(
        `storing suppression regions in ${this.options.file}: ${(error as Error).message}`,
      );
    }
  }

  private async request(url: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> {
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} answered ${response.status}: ${text.slice(0, 200)}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}
