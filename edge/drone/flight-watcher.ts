import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../errors.ts';
import type { FlightReport } from './flight-service.ts';

export const PROCESSED_MARKER = '.flight-processed.json';

export interface FlightWatcherOptions {
  /** Folder that drones' uploads land in: one sub-folder per flight. */
  inbox: string;
  /** A flight is taken once its files have not changed for this long (half-written files are not read). */
  settleMs?: number;
  pollMs?: number;
  process: (dir: string) => Promise<FlightReport>;
  onError?: (dir: string, error: unknown) => void;
  now?: () => number;
}

interface Seen {
  signature: string;
  since: number;
}

/**
 * Polls an inbox for flight folders and processes each once it has settled: the same files with
 * the same sizes and times for `settleMs`. A processed folder gets a marker file with the outcome
 * and is not taken again (polling, not fs.watch: network shares and USB copies do not always
 * report changes).
 */
export class FlightWatcher {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: FlightWatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const poll = () => {
      this.running = this.scanOnce()
        .then(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(poll, this.options.pollMs ?? 2000);
        });
    };
    this.timer = setTimeout(poll, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async signature(dir: string): Promise<string> {
    const names = (await readdir(dir)).sort();
    const parts: string[] = [];
    for (const name of names) {
      const s = await stat(path.join(dir, name));
      parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    }
    return parts.join('|');
  }

  /** One pass: returns the flight folders processed in it. */
  async scanOnce(): Promise<string[]> {
    const { inbox, settleMs = 5000 } = this.options;
    const processed: string[] = [];
    let entries: string[];
    try {
      entries = (await readdir(inbox, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch (error) {
      this.options.onError?.(inbox, error);
      return processed;
    }
    for (const name of entries.sort()) {
      const dir = path.join(inbox, name);
      if (existsSync(path.join(dir, PROCESSED_MARKER))) continue;
      const signature = await this.signature(dir).catch(() => '');
      const before = this.seen.get(dir);
      const now = this.now();
      if (!before || before.signature !== signature || signature === '') {
        this.seen.set(dir, { signature, since: now });
        continue;
      }
      if (now - before.since < settleMs) continue;
      this.seen.delete(dir);
      try {
        const report = await this.options.process(dir);
        const summary = {
          flight: report.flight,
          processedAt: new Date(now).toISOString(),
          events: report.events.length,
          images: report.images.map((i) =>
            i.status === 'compared'
              ? { image: i.image, status: i.status, area: i.area, structures: i.candidates.length }
              : { image: i.image, status: i.status, code: i.code, reason: i.reason },
          ),
        };
        await writeFile(path.join(dir, PROCESSED_MARKER), `${JSON.stringify(summary, null, 2)}\n`);
        processed.push(dir);
      } catch (error) {
        this.options.onError?.(dir, error);
        await writeFile(
          path.join(dir, PROCESSED_MARKER),
          `${JSON.stringify({ failed: true, reason: describeError(error) }, null, 2)}\n`,
        );
      }
    }
    return processed;
  }
}
