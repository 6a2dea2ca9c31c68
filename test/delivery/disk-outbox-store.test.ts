import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DiskOutboxStore,
  type DiskOutboxStoreOptions,
} from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox, type OutboxOptions } from '../../foundation/delivery/outbox/outbox.ts';
import { message, seqs } from './outbox-messages.ts';

/** What only the disk store does: torn and unreadable lines, segments, the lock, a SIGKILL. */

/** tsx as a loader inside the child itself (the tsx CLI would put a second process in between). */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const module = (name: string) =>
  fileURLToPath(new URL(`../../foundation/delivery/outbox/${name}`, import.meta.url));

let dir: string;
const open: Outbox[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
});

afterEach(async () => {
  for (const outbox of open.splice(0)) await outbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openOutbox(options: DiskOutboxStoreOptions & OutboxOptions = {}, folder = dir): Outbox {
  const outbox = new Outbox(DiskOutboxStore.open(folder, options), options);
  open.push(outbox);
  return outbox;
}

async function reopen(outbox: Outbox, options: DiskOutboxStoreOptions & OutboxOptions = {}): Promise<Outbox> {
  await outbox.close();
  return openOutbox(options);
}

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

function segmentFiles(): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('seg-'));
}

describe('DiskOutboxStore', () => {
  it('writes the appends of one tick with one write and fsync', async () => {
    const outbox = openOutbox();
    await Promise.all(Array.from({ length: 100 }, (_, n) => outbox.append(message(n))));
    expect(outbox.stats()).toMatchObject({ appended: 100, writes: 1, segments: 1 });
    expect(fs.readFileSync(path.join(dir, segmentFiles()[0] as string), 'utf8').split('\n')[0]).toMatch(
      /^\{"seq":1,"at":[\d.]+,"cameraId":"cam-a","phase":"update","topic":"edges\/e1\/events\/loitering","payload":"\{\\"eventId\\":\\"ev-0\\"\}"\}$/,
    );
  });

  it('ignores a torn last line, cuts it off, and appends cleanly after it', async () => {
    let outbox = openOutbox();
    for (let n = 1; n <= 3; n++) await outbox.append(message(n));
    await outbox.close();
    const [segment] = segmentFiles();
    fs.appendFileSync(path.join(dir, segment as string), '{"seq":4,"at":1,"cameraId":"cam-a","pha');
    const warnings: string[] = [];
    outbox = openOutbox({ onWarning: (w) => warnings.push(w) });
    expect(seqs(outbox)).toEqual([1, 2, 3]);
    expect(outbox.stats().skippedLines).toBe(1);
    expect(warnings.join()).toMatch(/torn last line/);
    expect(await outbox.append(message(4))).toBe(4);
    outbox = await reopen(outbox);
    expect(seqs(outbox)).toEqual([1, 2, 3, 4]);
    expect(outbox.stats().skippedLines).toBe(0);
  });

  it('ignores a torn ack line: "1" cut from "12" must not ack seq 1', async () => {
    let outbox = openOutbox();
    for (let n = 1; n <= 3; n++) await outbox.append(message(n));
    outbox.ack(2);
    await outbox.close();
    fs.appendFileSync(path.join(dir, 'acks.log'), '1');
    outbox = openOutbox();
    expect(seqs(outbox)).toEqual([1, 3]);
  });

  it('skips an unreadable record in the middle and keeps the rest', async () => {
    let outbox = openOutbox();
    await outbox.append(message(1));
    await outbox.close();
    const file = path.join(dir, segmentFiles()[0] as string);
    fs.appendFileSync(file, 'not json\n{"seq":"x"}\n');
    outbox = openOutbox();
    await outbox.append(message(2));
    outbox = await reopen(outbox);
    expect(seqs(outbox)).toEqual([1, 2]);
    expect(outbox.stats().skippedLines).toBe(2);
  });

  it('keeps the overflow policy across a reopen', async () => {
    let outbox = openOutbox({ maxPending: 2 });
    for (const phase of ['start', 'update', 'update', 'end'] as const) await outbox.append(message(1, phase));
    expect(seqs(outbox)).toEqual([1, 4]);
    outbox = await reopen(outbox, { maxPending: 2 });
    expect(seqs(outbox)).toEqual([1, 4]);
    expect(outbox.stats()).toMatchObject({ recovered: 2, dropped: 0 });
  });

  it('deletes segments once all their records are acked and shrinks the ack journal', async () => {
    let outbox = openOutbox({ segmentBytes: 2048, ackJournalBytes: 64 });
    for (let n = 1; n <= 300; n++) await outbox.append(message(n));
    const full = outbox.stats();
    expect(full.segments).toBeGreaterThan(10);
    expect(segmentFiles().length).toBe(full.segments);
    // Acked out of order: the journal holds many short ranges until compaction rewrites it.
    for (let n = 1; n <= 299; n += 2) outbox.ack(n);
    for (let n = 2; n <= 298; n += 2) outbox.ack(n);
    await nextTick();
    await nextTick();
    const compacted = outbox.stats();
    expect(compacted.depth).toBe(1);
    expect(compacted.segments).toBe(1);
    expect(segmentFiles().length).toBe(1);
    expect(compacted.bytesOnDisk).toBeLessThan(full.bytesOnDisk / 10);
    expect(fs.statSync(path.join(dir, 'acks.log')).size).toBeLessThan(64);
    outbox = await reopen(outbox);
    expect(seqs(outbox)).toEqual([300]);
    outbox.ack(300);
    // The newest segment stays, so the seq counter never goes back.
    outbox = await reopen(outbox);
    expect(outbox.depth).toBe(0);
    expect(await outbox.append(message(301))).toBe(301);
  });

  it('refuses a second open of the same folder', async () => {
    openOutbox();
    expect(() => DiskOutboxStore.open(dir)).toThrow(/already open/);
    expect(() => DiskOutboxStore.open(dir)).toThrow(expect.objectContaining({ code: 'OUTBOX_LOCKED' }));
  });

  it('loses nothing it confirmed when its process is killed with SIGKILL mid-append', async () => {
    const child = path.join(dir, 'appender.mts');
    const data = path.join(dir, 'outbox');
    fs.writeFileSync(
      child,
      `import { DiskOutboxStore } from ${JSON.stringify(module('disk-outbox-store.ts'))};
import { Outbox } from ${JSON.stringify(module('outbox.ts'))};
const outbox = new Outbox(DiskOutboxStore.open(${JSON.stringify(data)}));
const payload = JSON.stringify({ text: 'x'.repeat(300) });
for (let round = 0; ; round++) {
  // Bursts of concurrent appends, so that several share one write when the kill lands.
  await Promise.all(Array.from({ length: 10 }, (_, k) =>
    outbox.append({ cameraId: 'cam-' + (k % 3), phase: 'update', topic: 't', payload })
      .then((seq) => process.stdout.write(seq + '\\n'))));
}
`,
    );
    const proc = spawn(process.execPath, ['--import', tsxLoader, child], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const confirmed = await new Promise<number[]>((resolve, reject) => {
      proc.once('error', reject);
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.split('\n').length > 1500 && !proc.killed) proc.kill('SIGKILL');
      });
      proc.once('exit', (_code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child ended on its own: ${signal}`));
        else
          resolve(
            output
              .split('\n')
              .filter((line) => /^\d+$/.test(line))
              .map(Number),
          );
      });
    });
    expect(confirmed.length).toBeGreaterThanOrEqual(1500);
    const outbox = openOutbox({}, data);
    const pending = new Set(seqs(outbox));
    expect(confirmed.filter((seq) => !pending.has(seq))).toEqual([]);
    // Nothing torn or skipped beyond, at most, the write the kill interrupted.
    expect(outbox.stats().skippedLines).toBeLessThanOrEqual(1);
    const next = await outbox.append(message(0));
    expect(next).toBeGreaterThan(Math.max(...confirmed));
  });
});
