import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import type { JournaledIncident } from '../pipeline/camera-pipeline.ts';

const FILE = 'open-incidents.json';

const JournalFileSchema = z.object({ version: z.literal(1), incidents: z.array(z.unknown()) });
const EntrySchema = z.object({ lastSeenMs: z.number(), event: EventSchema });

export interface IncidentJournalOptions {
  /** A write that failed (the incidents stay in memory; the next write tries again) or an unreadable file. */
  onError?: (message: string, error?: unknown) => void;
}

/**
 * The edge's open incidents on disk (`<dir>/open-incidents.json`), so that a node stopped without
 * ending them (`kill -9`, a power cut) can continue or end them when it comes back (see
 * edge/rules/incident-resume.ts). Each entry is an incident's latest event and when its condition
 * last held. The file is rewritten whole (temporary file, fdatasync, rename, fsync of the folder)
 * before every event is delivered, after every end is in the outbox (the incident leaves it), and
 * by `flush` while incidents are open (when they were last seen): a crash leaves the old file or
 * the new one. Writes run one at a time; those asked for meanwhile are made once, together.
 */
export class IncidentJournal {
  /** What the file held at open: incidents an earlier run left open. */
  readonly found: readonly JournaledIncident[];
  readonly #dir: string;
  readonly #onError: NonNullable<IncidentJournalOptions['onError']>;
  readonly #open = new Map<string, JournaledIncident>();
  #chain: Promise<void> = Promise.resolve();
  #dirty = false;

  private constructor(dir: string, found: JournaledIncident[], options: IncidentJournalOptions) {
    this.#dir = dir;
    this.found = found;
    this.#onError = options.onError ?? (() => {});
    for (const incident of found) this.#open.set(incident.event.incidentId, incident);
  }

  static async open(dir: string, options: IncidentJournalOptions = {}): Promise<IncidentJournal> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, FILE);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const found: JournaledIncident[] = [];
    if (text !== undefined) {
      const parsed = JournalFileSchema.safeParse(parseJson(text));
      if (!parsed.success) {
        const aside = `${file}.unreadable-${Date.now()}`;
        await rename(file, aside);
        options.onError?.(`incident journal ${file} is unreadable; moved to ${aside}`);
      }
      for (const entry of parsed.data?.incidents ?? []) {
        const incident = EntrySchema.safeParse(entry);
        if (incident.success) found.push(incident.data);
        else options.onError?.(`incident journal ${file}: skipped an unreadable entry`);
      }
    }
    return new IncidentJournal(dir, found, options);
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * The incident's latest event, about to be delivered: a start or update (it is open), or its end
   * (sent again at the next start should it not get through). Resolves once written.
   */
  opened(event: EdgeEvent): Promise<void> {
    const known = this.#open.get(event.incidentId);
    const observedMs = Date.parse(event.observedAt);
    this.#open.set(event.incidentId, {
      event,
      lastSeenMs: Math.max(observedMs, known?.lastSeenMs ?? observedMs),
    });
    return this.#save();
  }

  /** The incident's last event again, with its evidence attached: kept for the next write. */
  attached(event: EdgeEvent): void {
    const known = this.#open.get(event.incidentId);
    if (!known || known.event.eventId !== event.eventId) return;
    known.event = event;
    this.#dirty = true;
  }

  /** Its condition held at `lastSeenMs`: kept for the next write. */
  seen(incidentId: string, lastSeenMs: number): void {
    const known = this.#open.get(incidentId);
    if (!known || lastSeenMs <= known.lastSeenMs) return;
    known.lastSeenMs = lastSeenMs;
    this.#dirty = true;
  }

  /** Its end is in the outbox: the incident is no longer open. Resolves once written. */
  closed(incidentId: string): Promise<void> {
    if (!this.#open.delete(incidentId)) return this.#chain;
    return this.#save();
  }

  /** Writes what changed since the last write, if anything. */
  flush(): Promise<void> {
    return this.#dirty ? this.#save() : this.#chain;
  }

  #save(): Promise<void> {
    this.#dirty = true;
    this.#chain = this.#chain.then(() => (this.#dirty ? this.#write() : undefined));
    return this.#chain;
  }

  /** Never rejects: a failed write is reported and left for the next one. */
  async #write(): Promise<void> {
    this.#dirty = false;
    const text = JSON.stringify({ version: 1, incidents: [...this.#open.values()] });
    const file = path.join(this.#dir, FILE);
    const temporary = `${file}.tmp`;
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(text);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
      const folder = await open(this.#dir, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch (error) {
      this.#dirty = true;
      await rm(temporary, { force: true }).catch(() => {});
      this.#onError(`incident journal ${file}: ${(error as Error).message}`, error);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
