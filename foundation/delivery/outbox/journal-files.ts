import fs from 'node:fs';
import { EventPhaseSchema } from '../../contract/events.ts';
import type { PendingMessage } from './outbox-store.ts';

/** The line formats and file operations of the disk outbox store. */

/** The complete lines of a file, and how many bytes of it they fill (a torn tail is left out). */
export function readLines(file: string): { lines: string[]; goodBytes: number; torn: number } {
  const bytes = fs.readFileSync(file);
  const end = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, end).toString('utf8').split('\n');
  lines.pop();
  return { lines: lines.filter((line) => line.length > 0), goodBytes: end, torn: bytes.length - end };
}

/** One segment line: `{"seq","at","cameraId","phase","topic","payload"}`. */
export function encodeRecord(record: PendingMessage): string {
  const { seq, at, cameraId, phase, topic, payload } = record;
  return `${JSON.stringify({ seq, at, cameraId, phase, topic, payload })}\n`;
}

export function parseRecord(line: string): PendingMessage | undefined {
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
export function encodeRanges(seqs: number[]): string {
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

/** A line of the ack journal, `seq` or `from-to`; undefined when unreadable. */
export function parseRange(line: string): { from: number; to: number } | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(line);
  return match ? { from: Number(match[1]), to: Number(match[2] ?? match[1]) } : undefined;
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
