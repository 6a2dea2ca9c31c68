import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  type DeviceEvent,
  DeviceEventSchema,
  DeviceEventTypeSchema,
} from '../../foundation/contract/events.ts';
import type { OpenDeviceIncident } from '../rules/incident-resume.ts';

const FILE = 'open-incidents.json';

/** JSON has no NaN: an unknown place is null on disk. */
const coordinate = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);

const IncidentSchema = z.object({
  incidentId: z.string().min(1),
  source: z
    .object({
      nodeId: z.string().min(1),
      rule: z.string().min(1),
      type: DeviceEventTypeSchema,
      deviceId: z.string().min(1),
      plate: z.string().optional(),
      zone: z.string().optional(),
      lat: coordinate,
      lon: coordinate,
      metric: z.string(),
      unit: z.string(),
      limit: z.number().optional(),
    })
    // JSON drops undefined fields; the engine's source names each.
    .transform((s) => ({ ...s, plate: s.plate, zone: s.zone, limit: s.limit })),
  episode: z.object({
    startedAt: z.number(),
    observedAt: z.number(),
    sequence: z.number().int().nonnegative(),
    count: z.number().int().nonnegative(),
    min: z.number().nullable(),
    max: z.number().nullable(),
    sum: z.number(),
    last: z.number().nullable(),
    lastActiveAt: z.number(),
    lastReportAt: z.number(),
  }),
  above: z.boolean(),
  lastSeen: z.number().optional(),
  end: DeviceEventSchema.optional(),
});

/** A journaled incident; `end`: its end was being handed on (sent again after a crash). */
export type JournaledDeviceIncident = OpenDeviceIncident & { end?: DeviceEvent };

/**
 * A rules node's open incidents on disk (`<dir>/open-incidents.json`), taken up by the engine at the
 * next start (iot/rules/incident-resume.ts). The file is replaced whole (written, fsync'd, renamed,
 * the folder fsync'd) before each event is handed on (an end with the incident, so that a crash
 * before it is handed on sends that very end again); when an end has been handed on (the incident
 * leaves); and by `refresh` (where open incidents stand) while any is open. A crash leaves the old
 * file or the new one.
 */
export class DeviceIncidentJournal {
  /** What an earlier run left open (or left ending). */
  readonly found: readonly JournaledDeviceIncident[];
  private readonly open = new Map<string, JournaledDeviceIncident>();
  private written = '';

  private constructor(
    private readonly dir: string,
    found: JournaledDeviceIncident[],
    private readonly onError: (message: string) => void,
  ) {
    this.found = found;
    for (const incident of found) this.open.set(incident.incidentId, incident);
  }

  /** Reads what the folder holds (creating it); an unreadable file is moved aside and reported. */
  static open(dir: string, onError: (message: string) => void = () => {}): DeviceIncidentJournal {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, FILE);
    const found: JournaledDeviceIncident[] = [];
    if (fs.existsSync(file)) {
      let entries: unknown;
      try {
        entries = (JSON.parse(fs.readFileSync(file, 'utf8')) as { incidents?: unknown }).incidents;
      } catch {
        entries = undefined;
      }
      if (!Array.isArray(entries)) {
        const aside = `${file}.unreadable-${Date.now()}`;
        fs.renameSync(file, aside);
        onError(`incident journal ${file} is unreadable; moved to ${aside}`);
      }
      for (const entry of Array.isArray(entries) ? entries : []) {
        const parsed = IncidentSchema.safeParse(entry);
        if (parsed.success) found.push(parsed.data);
        else onError(`incident journal ${file}: skipped an unreadable entry`);
      }
    }
    return new DeviceIncidentJournal(dir, found, onError);
  }

  get size(): number {
    return this.open.size;
  }

  /** A start or update: written before it returns. */
  put(incident: OpenDeviceIncident): void {
    this.open.set(incident.incidentId, incident);
    this.write();
  }

  /** Its end is about to be handed on: kept with the incident until `remove`. */
  ending(end: DeviceEvent): void {
    const incident = this.open.get(end.incidentId);
    if (!incident) return;
    this.open.set(end.incidentId, { ...incident, end });
    this.write();
  }

  /** Its end has been handed on. */
  remove(incidentId: string): void {
    if (this.open.delete(incidentId)) this.write();
  }

  /** Where the open incidents stand now (when they last held, their running figures). */
  refresh(current: readonly OpenDeviceIncident[]): void {
    for (const incident of current) {
      const known = this.open.get(incident.incidentId);
      if (known && !known.end) this.open.set(incident.incidentId, incident);
    }
    this.write();
  }

  /** Replaces the file when its content changed; a failure is reported and retried at the next write. */
  private write(): void {
    const text = JSON.stringify({ version: 1, incidents: [...this.open.values()] });
    if (text === this.written) return;
    const file = path.join(this.dir, FILE);
    try {
      const fd = fs.openSync(`${file}.tmp`, 'w');
      try {
        fs.writeFileSync(fd, text);
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(`${file}.tmp`, file);
      const dirFd = fs.openSync(this.dir, 'r');
      fs.fsyncSync(dirFd);
      fs.closeSync(dirFd);
      this.written = text;
    } catch (error) {
      fs.rmSync(`${file}.tmp`, { force: true });
      this.onError(`incident journal ${file}: ${(error as Error).message}`);
    }
  }
}
