import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import { isDiskFull } from '../../util/disk-full.ts';
import { OutboxError } from '../errors.ts';
import { AckJournal } from './ack-journal.ts';
import { releaseLock, takeLock } from './folder-lock.ts';
import { encodeRecord, fsyncDir, parseRecord, readLines } from './journal-files.ts';
import type { OutboxStore, OutboxStoreStats, PendingMessage } from './outbox-store.ts';

/**
 * The outbox store on disk: what the edge must deliver survives a crash or a power cut.
 *
 * Layout of its folder:
 * - `seg-<first seq>.jsonl`: append-only segments, one record per line
 *   `{"seq","at","cameraId","phase","topic","payload"}`. A batch of records is written with one
 *   write and one fdatasync; `append` resolves only once its records are on disk.
 * - `acks.log`: the seqs that are done (acknowledged by the broker, or dropped by the overflow
 *   policy), one `seq` or `from-to` per line. It is written without fsync: an ack lost in a power
 *   cut means a redelivery, never a loss (events carry a stable `eventId`).
 * - `LOCK`: the pid of the process that has the outbox open (`free` once closed; kept, so that
 *   an open on a full disk overwrites it rather than needing a new block).
 *
 * Opening replays both files. A line without its newline (a write torn by a crash) is ignored and
 * cut off, so that the next append starts on a clean line; any other unreadable line is skipped
 * and counted. Segments whose records are all done are deleted; the ack journal is rewritten
 * (to a temporary file, renamed over) to cover only the segments that remain. The newest segment
 * is never deleted: its name keeps the seq counter going across restarts, so a seq is never reused.
 *
 * A full disk (ENOSPC, EDQUOT) costs nothing: an append it refuses, at the write or at the
 * fdatasync, is cut back off the segment and rejected with that code, and the store takes appends
 * again once there is room; acks the disk refuses wait in memory for the next flush, and a
 * compaction or an open that cannot rewrite the ack journal keeps the old one. Only a failure that
 * cannot be undone (or an fdatasync failing for another reason) fails the store (`OUTBOX_FAILED`).
 *
 * Pending records are held in memory as well (about the size of their payloads).
 */

export interface DiskOutboxStoreOptions {
  /** A segment past this size is closed and a new one started. Default 4 MiB. */
  segmentBytes?: number;
  /** The ack journal is rewritten once it is larger than this and a segment was deleted. Default 256 KiB. */
  ackJournalBytes?: number;
  /** fdatasync every batch of appends (default true). False only for benchmarks and tests. */
  fsync?: boolean;
  /** Told about lines skipped at open and other problems that lose nothing. */
  onWarning?: (message: string) => void;
}

type Settings = Required<Omit<DiskOutboxStoreOptions, 'onWarning'>>;

interface Segment {
  readonly firstSeq: number;
  readonly file: string;
  lastSeq: number;
  bytes: number;
  /** Pending records in this segment. */
  live: number;
}

interface Entry {
  record: PendingMessage;
  segment: Segment;
}

const SEGMENT_PATTERN = /^seg-(\d{16})\.jsonl$/;
const ACKS_FILE = 'acks.log';
const DEFAULTS = { segmentBytes: 4 * 1024 * 1024, ackJournalBytes: 256 * 1024, fsync: true };

export class DiskOutboxStore implements OutboxStore {
  private readonly entries = new Map<number, Entry>();
  private ackFlushScheduled = false;
  private handle: FileHandle | undefined;
  private failure: Error | undefined;
  private writing = false;
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly settings: Settings,
    private readonly segments: Segment[],
    private readonly acks: AckJournal,
    private next: number,
    private readonly skippedLines: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Opens (creating when absent) the store in `dir` and replays it. */
  static open(dir: string, options: DiskOutboxStoreOptions = {}): DiskOutboxStore {
    const resolved = path.resolve(dir);
    fs.mkdirSync(resolved, { recursive: true });
    takeLock(resolved);
    try {
      const settings = {
        segmentBytes: options.segmentBytes ?? DEFAULTS.segmentBytes,
        ackJournalBytes: options.ackJournalBytes ?? DEFAULTS.ackJournalBytes,
        fsync: options.fsync ?? DEFAULTS.fsync,
      };
      return DiskOutboxStore.replay(resolved, settings, options.onWarning);
    } catch (error) {
      releaseLock(resolved);
      throw error;
    }
  }

  private static replay(
    dir: string,
    settings: Settings,
    onWarning?: (message: string) => void,
  ): DiskOutboxStore {
    const warn = (message: string) => onWarning?.(message);
    for (const name of fs.readdirSync(dir)) if (name.endsWith('.tmp')) fs.rmSync(path.join(dir, name));
    const names = fs
      .readdirSync(dir)
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    const segments: Segment[] = [];
    const records: Entry[] = [];
    let skipped = 0;
    let lastSeq = 0;
    names.forEach((name, k) => {
      const file = path.join(dir, name);
      const firstSeq = Number(SEGMENT_PATTERN.exec(name)?.[1]);
      const segment: Segment = { firstSeq, file, lastSeq: firstSeq - 1, bytes: 0, live: 0 };
      const { lines, goodBytes, torn } = readLines(file);
      if (torn) {
        skipped++;
        warn(`${name}: ignored a torn last line (${torn} bytes)`);
        // Only the newest segment is appended to: cut the torn bytes so the next record starts clean.
        if (k === names.length - 1) fs.truncateSync(file, goodBytes);
      }
      for (const line of lines) {
        const record = parseRecord(line);
        if (!record || record.seq <= lastSeq) {
          skipped++;
          warn(`${name}: skipped an unreadable record: ${line.slice(0, 80)}`);
          continue;
        }
        lastSeq = record.seq;
        segment.lastSeq = record.seq;
        records.push({ record, segment });
      }
      segment.bytes = goodBytes;
      segments.push(segment);
    });

    const done = new Set<number>();
    const ackFile = path.join(dir, ACKS_FILE);
    const journal = AckJournal.read(ackFile, warn);
    skipped += journal.skipped;
    for (const range of journal.ranges) {
      // Seqs below the oldest segment are gone with their segment.
      const from = Math.max(range.from, segments[0]?.firstSeq ?? 1);
      const to = Math.min(range.to, lastSeq);
      for (let seq = from; seq <= to; seq++) done.add(seq);
    }
    const last = segments.at(-1);
    const nextSeq = Math.max(lastSeq + 1, last?.firstSeq ?? 1);
    const acks = AckJournal.open(ackFile, dir, settings.fsync, warn);
    const store = new DiskOutboxStore(dir, settings, segments, acks, nextSeq, skipped, warn);
    for (const entry of records) if (!done.has(entry.record.seq)) store.insert(entry.record, entry.segment);
    store.tidy(false);
    return store;
  }

  get depth(): number {
    return this.entries.size;
  }

  get nextSeq(): number {
    return this.next;
  }

  async append(records: readonly PendingMessage[]): Promise<void> {
    if (this.closed) throw new OutboxError('OUTBOX_CLOSED', `outbox ${this.location} is closed`);
    if (this.failure) throw this.failure;
    const last = records.at(-1);
    if (!last) return;
    this.writing = true;
    try {
      const segment = await this.writeBatch(records);
      for (const record of records) this.insert(record, segment);
      this.next = last.seq + 1;
    } finally {
      this.writing = false;
    }
  }

  *pending(afterSeq: number): IterableIterator<PendingMessage> {
    for (const { record } of this.entries.values()) if (record.seq > afterSeq) yield record;
  }

  get(seq: number): PendingMessage | undefined {
    return this.entries.get(seq)?.record;
  }

  remove(seq: number): boolean {
    const entry = this.entries.get(seq);
    if (!entry) return false;
    this.entries.delete(seq);
    entry.segment.live--;
    this.acks.add(seq);
    if (!this.ackFlushScheduled && !this.closed) {
      this.ackFlushScheduled = true;
      setImmediate(() => {
        this.ackFlushScheduled = false;
        if (!this.closed) this.tidy(false);
      });
    }
    return true;
  }

  /** Deletes segments with nothing pending and rewrites the ack journal to cover what remains. */
  compact(): void {
    this.tidy(true);
  }

  stats(): OutboxStoreStats {
    const segmentBytes = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    return {
      skippedLines: this.skippedLines,
      segments: this.segments.length,
      bytesOnDisk: segmentBytes + this.acks.bytes,
    };
  }

  /** Writes the acks and releases the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.acks.close();
      await this.handle?.close();
    } finally {
      this.handle = undefined;
      releaseLock(this.location);
    }
  }

  // --- appends -------------------------------------------------------------------------------

  private async writeBatch(records: readonly PendingMessage[]): Promise<Segment> {
    let segment = this.segments.at(-1);
    if (!segment || (segment.bytes >= this.settings.segmentBytes && segment.lastSeq >= segment.firstSeq)) {
      segment = this.startSegment(records[0]?.seq ?? this.next);
    }
    this.handle ??= await openFile(segment.file, 'r+');
    const buffer = Buffer.from(records.map(encodeRecord).join(''));
    const start = segment.bytes;
    try {
      let written = 0;
      while (written < buffer.length) {
        const { bytesWritten } = await this.handle.write(
          buffer,
          written,
          buffer.length - written,
          start + written,
        );
        written += bytesWritten;
      }
    } catch (error) {
      // Undo a partial write so that the next record does not land after half a line.
      await this.undo(start);
      throw error;
    }
    if (this.settings.fsync) {
      try {
        await this.handle.datasync();
      } catch (error) {
        // Refused for want of space (delayed allocation, a quota): the batch was never confirmed,
        // so cut it off (made durable) and let the caller retry it once there is room.
        if (isDiskFull(error) && (await this.undo(start))) throw error;
        // Otherwise the state of the written pages is unknown: stop accepting appends.
        this.fail('fdatasync failed', error);
        throw this.failure;
      }
    }
    segment.bytes = start + buffer.length;
    segment.lastSeq = records.at(-1)?.seq ?? segment.lastSeq;
    return segment;
  }

  /** Cuts the newest segment back to `bytes`; on failure the store fails (false). */
  private async undo(bytes: number): Promise<boolean> {
    try {
      await this.handle?.truncate(bytes);
      if (this.settings.fsync) await this.handle?.datasync();
      return true;
    } catch (error) {
      this.fail('could not undo a failed write', error);
      return false;
    }
  }

  private startSegment(firstSeq: number): Segment {
    const previous = this.handle;
    this.handle = undefined;
    previous?.close().catch(() => {});
    const file = path.join(this.location, `seg-${String(firstSeq).padStart(16, '0')}.jsonl`);
    fs.closeSync(fs.openSync(file, 'a'));
    if (this.settings.fsync) fsyncDir(this.location);
    const segment: Segment = {
      firstSeq,
      file,
      lastSeq: firstSeq - 1,
      bytes: fs.statSync(file).size,
      live: 0,
    };
    this.segments.push(segment);
    return segment;
  }

  private insert(record: PendingMessage, segment: Segment): void {
    this.entries.set(record.seq, { record, segment });
    segment.live++;
  }

  private fail(what: string, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.failure ??= new OutboxError('OUTBOX_FAILED', `outbox ${this.location}: ${what}: ${reason}`, {
      cause,
    });
  }

  // --- acks and compaction -------------------------------------------------------------------

  /** Flushes the acks, then compacts; a failure (a full disk) is told, never thrown: it loses nothing. */
  private tidy(forceRewrite: boolean): void {
    try {
      this.acks.flush();
      this.compactSegments(forceRewrite);
    } catch (error) {
      this.warn(
        `compaction of ${this.location} failed, retried later: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  /** Deletes done segments (never the newest); rewrites the ack journal when it has grown. */
  private compactSegments(forceRewrite: boolean): void {
    let newest = this.segments.at(-1);
    if (newest && newest.live === 0 && newest.bytes >= this.settings.segmentBytes && !this.writing) {
      // A full newest segment with nothing pending: an empty successor takes over the seq counter.
      newest = this.startSegment(this.next);
    }
    const doomed = this.segments.filter((s) => s.live === 0 && s !== newest);
    for (const segment of doomed) {
      fs.rmSync(segment.file, { force: true });
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    if (doomed.length > 0 && this.settings.fsync) fsyncDir(this.location);
    if (forceRewrite || (doomed.length > 0 && this.acks.bytes > this.settings.ackJournalBytes)) {
      const done: number[] = [];
      for (const segment of this.segments) {
        for (let seq = segment.firstSeq; seq <= segment.lastSeq; seq++)
          if (!this.entries.has(seq)) done.push(seq);
      }
      this.acks.rewrite(done);
    }
  }
}
