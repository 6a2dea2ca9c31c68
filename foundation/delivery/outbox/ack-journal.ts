import fs from 'node:fs';
import { encodeRanges, fsyncDir, parseRange, readLines } from './journal-files.ts';

/**
 * The ack journal of the disk outbox store (`acks.log`): the seqs that are done, one `seq` or
 * `from-to` per line, appended without fsync: an ack lost in a power cut means a redelivery, never
 * a loss (events carry a stable `eventId`).
 *
 * A write the disk refuses (a full disk) is undone and its seqs are kept for the next flush, so no
 * half line is ever followed by another write ("1" cut from "12" then "7\n" would ack seq 17). A
 * rewrite goes to a temporary file renamed over the journal; one that fails keeps the old journal.
 * Neither throws: until the disk takes them, the acks wait in memory.
 */
export class AckJournal {
  /** Seqs done but not yet in the file. */
  private readonly buffer: number[] = [];
  /** Bytes past `size` may be in the file (a failed write whose undo failed too): cut them first. */
  private tail = false;
  /** The last flush failed: warned once, until a flush succeeds. */
  private failing = false;

  private constructor(
    private readonly file: string,
    private readonly dir: string,
    private fd: number,
    private size: number,
    private readonly fsync: boolean,
    private readonly warn: (message: string) => void,
  ) {}

  /** The ranges the journal `file` holds; a torn last line is cut off, an unreadable one skipped. */
  static read(
    file: string,
    warn: (message: string) => void,
  ): { ranges: { from: number; to: number }[]; skipped: number } {
    const ranges: { from: number; to: number }[] = [];
    if (!fs.existsSync(file)) return { ranges, skipped: 0 };
    let skipped = 0;
    const { lines, goodBytes, torn } = readLines(file);
    if (torn) {
      skipped++;
      warn(`${file}: ignored a torn last line (${torn} bytes)`);
      fs.truncateSync(file, goodBytes);
    }
    for (const line of lines) {
      const range = parseRange(line);
      if (range) ranges.push(range);
      else {
        skipped++;
        warn(`${file}: skipped an unreadable line: ${line.slice(0, 80)}`);
      }
    }
    return { ranges, skipped };
  }

  /** Opens `file` (in the folder `dir`) for appending, creating it when absent. */
  static open(file: string, dir: string, fsync: boolean, warn: (message: string) => void): AckJournal {
    const fd = fs.openSync(file, 'a');
    return new AckJournal(file, dir, fd, fs.fstatSync(fd).size, fsync, warn);
  }

  /** Bytes the journal holds on disk. */
  get bytes(): number {
    return this.size;
  }

  add(seq: number): void {
    this.buffer.push(seq);
  }

  /** Appends the buffered seqs; false (they stay buffered) when the disk refused them. */
  flush(): boolean {
    if (this.buffer.length === 0) return true;
    const seqs = this.buffer.splice(0);
    const bytes = Buffer.from(encodeRanges(seqs));
    try {
      if (this.tail) this.cutTail();
      this.tail = true;
      for (let written = 0; written < bytes.length; )
        written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
      this.tail = false;
      this.size += bytes.length;
      if (this.failing) this.warn(`${this.file}: acks are written again`);
      this.failing = false;
      return true;
    } catch (error) {
      this.buffer.push(...seqs);
      try {
        this.cutTail();
      } catch {
        // Cut before the next write instead.
      }
      if (!this.failing)
        this.warn(`${this.file}: acks not written, kept for the next flush: ${reason(error)}`);
      this.failing = true;
      return false;
    }
  }

  /**
   * Replaces the journal by one holding `done` (every seq done that the store still has a segment
   * for, those buffered here included); false (the old journal stays) when the disk refused it.
   */
  rewrite(done: number[]): boolean {
    const text = encodeRanges(done);
    const temporary = `${this.file}.tmp`;
    try {
      fs.writeFileSync(temporary, text);
      if (this.fsync) {
        const fd = fs.openSync(temporary, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      }
      fs.renameSync(temporary, this.file);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      this.warn(`${this.file}: not rewritten, the old journal is kept: ${reason(error)}`);
      this.flush();
      return false;
    }
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.size = Buffer.byteLength(text);
    this.buffer.length = 0;
    this.tail = false;
    this.failing = false;
    if (this.fsync) fsyncDir(this.dir);
    return true;
  }

  /** Flushes (a refusal is warned about: those acks mean redeliveries) and closes the file. */
  close(): void {
    try {
      if (!this.flush())
        this.warn(`${this.file}: ${this.buffer.length} acks lost at close: redelivered after a restart`);
      if (this.fsync) fs.fsyncSync(this.fd);
    } catch (error) {
      this.warn(`${this.file}: fsync at close failed: ${reason(error)}`);
    } finally {
      fs.closeSync(this.fd);
    }
  }

  private cutTail(): void {
    fs.ftruncateSync(this.fd, this.size);
    this.tail = false;
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
