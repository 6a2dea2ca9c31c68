import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import { type EventPhase, EventPhaseSchema } from '../contract/events.ts';
import { OutboxError } from './errors.ts';

/**
 * A durable outbox: what the edge must deliver, kept on disk until the broker has it.
 *
 * Layout of its folder:
 * - `seg-<first seq>.jsonl`: append-only segments, one record per line
 *   `{"seq","at","cameraId","phase","topic","payload"}`. Appends that arrive while a write is on
 *   its way are written together in one write and one fdatasync (group commit); an `append`
 *   resolves only once its record is on disk.
 * - `acks.log`: the seqs that are done (acknowledged by the broker, or dropped by the overflow
 *   policy), one `seq` or `from-to` per line. It is written without fsync: an ack lost in a power
 *   cut means a redelivery, never a loss (events carry a stable `eventId`).
 * - `LOCK`: the pid of the process that has the outbox open.
 *
 * Opening replays both files. A line without its newline (a write torn by a crash) is ignored and
 * cut off, so that the next append starts on a clean line; any other unreadable line is skipped
 * and counted. Segments whose records are all done are deleted; the ack journal is rewritten
 * (to a temporary file, renamed over) to cover only the segments that remain. The newest segment
 * is never deleted: its name keeps the seq counter going across restarts, so a seq is never reused.
 *
 * Overflow: at `maxPending` pending messages an append drops the oldest pending `update` first.
 * `start` and `end` messages are never dropped: when nothing else is left to drop, the outbox
 * grows past `maxPending` (counted as `overLimit`), since refusing them would lose an incident's
 * beginning or end.
 *
 * Pending messages are held in memory as well (about the size of their payloads).
 */

export interface OutboxMessage {
  cameraId: string;
  phase: EventPhase;
  topic: string;
  /** The bytes to publish, as text (an event's JSON). */
  payload: string;
}

export interface PendingMessage extends Readonly<OutboxMessage> {
  readonly seq: number;
  /** Wall clock (ms since the epoch) of the append; kept on disk, so it survives restarts. */
  readonly at: number;
}

export interface OutboxOptions {
  /** Pending messages past which `update`s are dropped, oldest first. Default 50,000. */
  maxPending?: number;
  /** A segment past this size is closed and a new one started. Default 4 MiB. */
  segmentBytes?: number;
  /** The ack journal is rewritten once it is larger than this and a segment was deleted. Default 256 KiB. */
  ackJournalBytes?: number;
  /** fdatasync every batch of appends (default true). False only for benchmarks and tests. */
  fsync?: boolean;
  /** Wall clock, ms since the epoch (default: with sub-ms precision). */
  clock?: () => number;
  /** Told about lines skipped at open and other problems that lose nothing. */
  onWarning?: (message: string) => void;
}

export interface OutboxStats {
  /** Pending messages. */
  depth: number;
  /** Since open: appended (durable), acked, dropped by the overflow policy. */
  appended: number;
  acked: number;
  dropped: number;
  /** Appends accepted past `maxPending` because only start/end messages were pending. */
  overLimit: number;
  /** Pending when the outbox was opened (left by an earlier run). */
  recovered: number;
  /** Lines skipped at open: torn tails and unreadable records. */
  skippedLines: number;
  /** Write + fdatasync rounds (each carries one or more appends). */
  writes: number;
  segments: number;
  bytesOnDisk: number;
}

interface Segment {
  readonly firstSeq: number;
  readonly file: string;
  lastSeq: number;
  bytes: number;
  /** Pending records in this segment. */
  live: number;
}

interface Entry {
  message: PendingMessage;
  segment: Segment;
}

interface QueuedAppend {
  message: PendingMessage;
  line: string;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

/** Wall clock in ms since the epoch, with sub-millisecond precision. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

const SEGMENT_PATTERN = /^seg-(\d{16})\.jsonl$/;
const ACKS_FILE = 'acks.log';
const LOCK_FILE = 'LOCK';
const DEFAULTS = { maxPending: 50_000, segmentBytes: 4 * 1024 * 1024, ackJournalBytes: 256 * 1024 };

/** Folders open in this process (a second open would corrupt the journal). */
const openDirs = new Set<string>();

export class Outbox {
  private readonly entries = new Map<number, Entry>();
  /** The pending `update`s, oldest first: the overflow policy's candidates. */
  private readonly updates = new Map<number, Entry>();
  private readonly queue: QueuedAppend[] = [];
  private readonly ackBuffer: number[] = [];
  private readonly listeners = new Set<() => void>();
  private flushing: Promise<void> | undefined;
  private ackFlushScheduled = false;
  private handle: FileHandle | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly counters = { appended: 0, acked: 0, dropped: 0, overLimit: 0, recovered: 0, writes: 0 };

  private constructor(
    readonly dir: string,
    private readonly options: Required<Omit<OutboxOptions, 'onWarning'>> & Pick<OutboxOptions, 'onWarning'>,
    private readonly segments: Segment[],
    private ackFd: number,
    private ackBytes: number,
    private nextSeq: number,
    private readonly skippedLines: number,
  ) {}

  /** Opens (creating when absent) the outbox in `dir` and replays it. */
  static open(dir: string, options: OutboxOptions = {}): Outbox {
    const resolved = path.resolve(dir);
    const settings = {
      maxPending: options.maxPending ?? DEFAULTS.maxPending,
      segmentBytes: options.segmentBytes ?? DEFAULTS.segmentBytes,
      ackJournalBytes: options.ackJournalBytes ?? DEFAULTS.ackJournalBytes,
      fsync: options.fsync ?? true,
      clock: options.clock ?? preciseNow,
      onWarning: options.onWarning,
    };
    if (!(settings.maxPending >= 1)) throw new RangeError('maxPending must be at least 1');
    fs.mkdirSync(resolved, { recursive: true });
    takeLock(resolved);
    try {
      return Outbox.replay(resolved, settings);
    } catch (error) {
      releaseLock(resolved);
      throw error;
    }
  }

  private static replay(dir: string, options: Outbox['options']): Outbox {
    const warn = (message: string) => options.onWarning?.(message);
    for (const name of fs.readdirSync(dir)) if (name.endsWith('.tmp')) fs.rmSync(path.join(dir, name));
    const names = fs
      .readdirSync(dir)
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    const segments: Segment[] = [];
    const records: { message: PendingMessage; segment: Segment }[] = [];
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
        const message = parseRecord(line);
        if (!message || message.seq <= lastSeq) {
          skipped++;
          warn(`${name}: skipped an unreadable record: ${line.slice(0, 80)}`);
          continue;
        }
        lastSeq = message.seq;
        segment.lastSeq = message.seq;
        records.push({ message, segment });
      }
      segment.bytes = goodBytes;
      segments.push(segment);
    });

    const done = new Set<number>();
    const ackFile = path.join(dir, ACKS_FILE);
    if (fs.existsSync(ackFile)) {
      const { lines, goodBytes, torn } = readLines(ackFile);
      if (torn) {
        skipped++;
        warn(`${ACKS_FILE}: ignored a torn last line (${torn} bytes)`);
        fs.truncateSync(ackFile, goodBytes);
      }
      for (const line of lines) {
        const match = /^(\d+)(?:-(\d+))?$/.exec(line);
        if (!match) {
          skipped++;
          warn(`${ACKS_FILE}: skipped an unreadable line: ${line.slice(0, 80)}`);
          continue;
        }
        // Seqs below the oldest segment are gone with their segment.
        const from = Math.max(Number(match[1]), segments[0]?.firstSeq ?? 1);
        const to = Math.min(Number(match[2] ?? match[1]), lastSeq);
        for (let seq = from; seq <= to; seq++) done.add(seq);
      }
    }
    const last = segments.at(-1);
    const nextSeq = Math.max(lastSeq + 1, last?.firstSeq ?? 1);
    const ackFd = fs.openSync(ackFile, 'a');
    const outbox = new Outbox(dir, options, segments, ackFd, fs.fstatSync(ackFd).size, nextSeq, skipped);
    for (const record of records) {
      if (done.has(record.message.seq)) continue;
      outbox.insert(record.message, record.segment, false);
    }
    outbox.counters.recovered = outbox.entries.size;
    outbox.compact(false);
    return outbox;
  }

  /**
   * Appends a message; resolves with its seq once it is on disk. The seq is taken at the call, so
   * messages keep the order of the calls. Rejects when the write fails (the outbox stays usable
   * when the failed write could be undone, e.g. a full disk) or the outbox is closed or failed.
   */
  append(message: OutboxMessage): Promise<number> {
    if (this.closed) return Promise.reject(new OutboxError('OUTBOX_CLOSED', `outbox ${this.dir} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    const parsed: PendingMessage = {
      seq: this.nextSeq++,
      at: this.options.clock(),
      cameraId: message.cameraId,
      phase: message.phase,
      topic: message.topic,
      payload: message.payload,
    };
    const line = `${JSON.stringify(parsed)}\n`;
    return new Promise((resolve, reject) => {
      this.queue.push({ message: parsed, line, resolve, reject });
      // Started on the next microtask, so that appends made in the same tick share one write.
      this.flushing ??= Promise.resolve().then(() => this.flushLoop());
    });
  }

  /** Pending messages in seq order (live: acks during iteration are seen), after `afterSeq`. */
  *pending(afterSeq = 0): IterableIterator<PendingMessage> {
    for (const { message } of this.entries.values()) if (message.seq > afterSeq) yield message;
  }

  get depth(): number {
    return this.entries.size;
  }

  /** The pending message with this seq; undefined once acked or dropped. */
  get(seq: number): PendingMessage | undefined {
    return this.entries.get(seq)?.message;
  }

  /** Marks a message delivered. False when it was not pending (already acked or dropped). */
  ack(seq: number): boolean {
    if (this.closed || !this.remove(seq)) return false;
    this.counters.acked++;
    return true;
  }

  /** Calls `listener` after each batch of appends is on disk; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OutboxStats {
    const segmentBytes = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    return {
      depth: this.entries.size,
      ...this.counters,
      skippedLines: this.skippedLines,
      segments: this.segments.length,
      bytesOnDisk: segmentBytes + this.ackBytes,
    };
  }

  /** Deletes segments with nothing pending and rewrites the ack journal to cover what remains. */
  compactNow(): void {
    this.flushAcks();
    this.compact(true);
  }

  /** Waits for appends under way, writes the acks, and releases the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    this.flushAcks();
    await this.handle?.close();
    this.handle = undefined;
    if (this.options.fsync) fs.fsyncSync(this.ackFd);
    fs.closeSync(this.ackFd);
    releaseLock(this.dir);
  }

  // --- appends -------------------------------------------------------------------------------

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        if (this.failure) throw this.failure;
        const segment = await this.writeBatch(batch);
        for (const item of batch) {
          this.insert(item.message, segment, true);
          this.counters.appended++;
        }
        for (const item of batch) item.resolve(item.message.seq);
        for (const listener of this.listeners) listener();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const item of batch) item.reject(failure);
      }
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: readonly QueuedAppend[]): Promise<Segment> {
    let segment = this.segments.at(-1);
    if (!segment || (segment.bytes >= this.options.segmentBytes && segment.lastSeq >= segment.firstSeq)) {
      segment = this.startSegment(batch[0]?.message.seq ?? this.nextSeq);
    }
    this.handle ??= await openFile(segment.file, 'r+');
    const buffer = Buffer.from(batch.map((item) => item.line).join(''));
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
      try {
        await this.handle.truncate(start);
      } catch (truncateError) {
        this.fail('could not undo a failed write', truncateError);
      }
      throw error;
    }
    if (this.options.fsync) {
      try {
        await this.handle.datasync();
      } catch (error) {
        // After a failed fsync the state of the written pages is unknown: stop accepting appends.
        this.fail('fdatasync failed', error);
        throw this.failure;
      }
    }
    this.counters.writes++;
    segment.bytes = start + buffer.length;
    segment.lastSeq = batch.at(-1)?.message.seq ?? segment.lastSeq;
    return segment;
  }

  private startSegment(firstSeq: number): Segment {
    const previous = this.handle;
    this.handle = undefined;
    previous?.close().catch(() => {});
    const file = path.join(this.dir, `seg-${String(firstSeq).padStart(16, '0')}.jsonl`);
    fs.closeSync(fs.openSync(file, 'a'));
    if (this.options.fsync) fsyncDir(this.dir);
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

  private insert(message: PendingMessage, segment: Segment, applyOverflow: boolean): void {
    if (applyOverflow && this.entries.size >= this.options.maxPending) {
      const oldestUpdate = this.updates.keys().next();
      if (oldestUpdate.done) this.counters.overLimit++;
      else if (this.remove(oldestUpdate.value)) this.counters.dropped++;
    }
    const entry = { message, segment };
    this.entries.set(message.seq, entry);
    if (message.phase === 'update') this.updates.set(message.seq, entry);
    segment.live++;
  }

  private fail(what: string, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.failure ??= new OutboxError('OUTBOX_FAILED', `outbox ${this.dir}: ${what}: ${reason}`, { cause });
  }

  // --- acks and compaction -------------------------------------------------------------------

  private remove(seq: number): boolean {
    const entry = this.entries.get(seq);
    if (!entry) return false;
    this.entries.delete(seq);
    this.updates.delete(seq);
    entry.segment.live--;
    this.ackBuffer.push(seq);
    if (!this.ackFlushScheduled && !this.closed) {
      this.ackFlushScheduled = true;
      setImmediate(() => {
        this.ackFlushScheduled = false;
        if (this.closed) return;
        this.flushAcks();
        this.compact(false);
      });
    }
    return true;
  }

  private flushAcks(): void {
    if (this.ackBuffer.length === 0) return;
    const text = encodeRanges(this.ackBuffer.splice(0));
    fs.writeSync(this.ackFd, text);
    this.ackBytes += Buffer.byteLength(text);
  }

  /** Deletes done segments (never the newest); rewrites the ack journal when it has grown. */
  private compact(forceRewrite: boolean): void {
    let newest = this.segments.at(-1);
    if (newest && newest.live === 0 && newest.bytes >= this.options.segmentBytes && !this.flushing) {
      // A full newest segment with nothing pending: an empty successor takes over the seq counter.
      newest = this.startSegment(this.nextSeq);
    }
    const doomed = this.segments.filter((s) => s.live === 0 && s !== newest);
    for (const segment of doomed) {
      fs.rmSync(segment.file, { force: true });
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    if (doomed.length > 0 && this.options.fsync) fsyncDir(this.dir);
    if (forceRewrite || (doomed.length > 0 && this.ackBytes > this.options.ackJournalBytes))
      this.rewriteAcks();
  }

  private rewriteAcks(): void {
    this.flushAcks();
    const done: number[] = [];
    for (const segment of this.segments) {
      for (let seq = segment.firstSeq; seq <= segment.lastSeq; seq++)
        if (!this.entries.has(seq)) done.push(seq);
    }
    const text = encodeRanges(done);
    const target = path.join(this.dir, ACKS_FILE);
    const temporary = `${target}.tmp`;
    fs.writeFileSync(temporary, text);
    if (this.options.fsync) {
      const fd = fs.openSync(temporary, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, target);
    if (this.options.fsync) fsyncDir(this.dir);
    fs.closeSync(this.ackFd);
    this.ackFd = fs.openSync(target, 'a');
    this.ackBytes = Buffer.byteLength(text);
  }
}

// --- files ---------------------------------------------------------------------------------------

/** The complete lines of a file, and how many bytes of it they fill (a torn tail is left out). */
function readLines(file: string): { lines: string[]; goodBytes: number; torn: number } {
  const bytes = fs.readFileSync(file);
  const end = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, end).toString('utf8').split('\n');
  lines.pop();
  return { lines: lines.filter((line) => line.length > 0), goodBytes: end, torn: bytes.length - end };
}

function parseRecord(line: string): PendingMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const phase = EventPhaseSchema.safeParse(r.phase);
  if (
    !Number.isSafeInteger(r.seq) ||
    (r.seq as number) < 1 ||
    typeof r.at !== 'number' ||
    typeof r.cameraId !== 'string' ||
    typeof r.topic !== 'string' ||
    typeof r.payload !== 'string' ||
    !phase.success
  ) {
    return undefined;
  }
  return {
    seq: r.seq as number,
    at: r.at,
    cameraId: r.cameraId,
    phase: phase.data,
    topic: r.topic,
    payload: r.payload,
  };
}

/** `1,2,3,7` → "1-3\n7\n". */
function encodeRanges(seqs: number[]): string {
  seqs.sort((a, b) => a - b);
  let text = '';
  let k = 0;
  while (k < seqs.length) {
    const from = seqs[k] as number;
    let to = from;
    while (k + 1 < seqs.length && (seqs[k + 1] as number) <= to + 1) to = seqs[++k] as number;
    text += from === to ? `${from}\n` : `${from}-${to}\n`;
    k++;
  }
  return text;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** One process at a time: a LOCK file with the owner's pid; a dead owner's lock is taken over. */
function takeLock(dir: string): void {
  if (openDirs.has(dir))
    throw new OutboxError('OUTBOX_LOCKED', `outbox ${dir} is already open in this process`);
  const lock = path.join(dir, LOCK_FILE);
  try {
    const owner = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new OutboxError('OUTBOX_LOCKED', `outbox ${dir} is open in process ${owner}`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.writeFileSync(lock, `${process.pid}\n`);
  openDirs.add(dir);
}

function releaseLock(dir: string): void {
  openDirs.delete(dir);
  fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
