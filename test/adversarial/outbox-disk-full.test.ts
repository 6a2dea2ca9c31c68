// Issue 18 item 4 ("A full disk drops events"), the outbox's part: on a real file system that
// fills up (a tmpfs of 8 MB), the disk outbox refuses appends with ENOSPC and stays usable; the ack
// flush and the compaction (run from setImmediate) never throw, so the process does not crash; an
// outbox closed on a full disk opens again on it; once there is room, appends succeed, nothing
// accepted is lost, and a reopen gives exactly the pending events. On a thinly provisioned ext4,
// where the write succeeds and fdatasync fails with ENOSPC, the batch is undone the same way.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import type { OutboxMessage, PendingMessage } from '../../foundation/delivery/outbox/outbox-store.ts';
import {
  ballast,
  mountRefusal,
  mountThinExt4,
  mountTmpfs,
  type Tmpfs,
  thinExt4Refusal,
} from '../support/full-disk.ts';

const refusal = mountRefusal();
const thinRefusal = refusal ?? thinExt4Refusal();

/** An event larger than a page, so that each append needs blocks the full disk does not have. */
const event = (n: number, bytes = 5000): OutboxMessage => ({
  cameraId: 'cam-a',
  phase: n % 10 === 0 ? 'start' : 'update',
  topic: 'edges/e1/events/loitering',
  payload: JSON.stringify({ eventId: `ev-${n}`, text: 'x'.repeat(bytes) }),
});

const nextTick = () => new Promise((resolve) => setImmediate(resolve));
const pendingOf = (outbox: Outbox) =>
  [...outbox.pending()].map((m: PendingMessage) => `${m.seq}:${JSON.parse(m.payload).eventId}`);

describe.skipIf(refusal !== undefined)(
  `outbox on a full disk${refusal ? ` (skipped: mount is not permitted here: ${refusal})` : ''}`,
  () => {
    let disk: Tmpfs;
    let dir: string;
    let warnings: string[];
    const open: Outbox[] = [];

    beforeEach(() => {
      disk = mountTmpfs(8);
      dir = path.join(disk.dir, 'outbox');
      warnings = [];
    });

    afterEach(async () => {
      for (const outbox of open.splice(0)) await outbox.close();
      disk.dispose();
    });

    function openOutbox(): Outbox {
      const store = DiskOutboxStore.open(dir, {
        segmentBytes: 64 * 1024,
        ackJournalBytes: 256,
        onWarning: (w) => warnings.push(w),
      });
      const outbox = new Outbox(store);
      open.push(outbox);
      return outbox;
    }

    async function reopen(outbox: Outbox): Promise<Outbox> {
      open.splice(open.indexOf(outbox), 1);
      await outbox.close();
      return openOutbox();
    }

    /** Appends events `from`..`to` in one tick; each one's seq, or the error it was refused with. */
    const appendAll = (outbox: Outbox, from: number, to: number) =>
      Promise.allSettled(Array.from({ length: to - from + 1 }, (_, k) => outbox.append(event(from + k))));

    it('refuses appends with ENOSPC, keeps acks and compaction from throwing, and loses nothing', async () => {
      let outbox = openOutbox();
      const accepted: number[] = [];
      for (let n = 1; n <= 40; n++) accepted.push(await outbox.append(event(n)));
      const before = outbox.stats();
      expect(before.segments).toBeGreaterThanOrEqual(3);
      const full = ballast(disk.dir);
      full.fill();

      // Appends: refused by name, the partial write cut off again, and the outbox still usable.
      const refused = await appendAll(outbox, 41, 45);
      expect(refused.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOSPC' });
      expect((await appendAll(outbox, 46, 46))[0]).toMatchObject({ reason: { code: 'ENOSPC' } });
      expect(outbox.stats().bytesOnDisk).toBe(before.bytesOnDisk);

      // Acks: the journal cannot grow; they wait in memory (one warning), nothing throws.
      const acked = accepted.filter((seq) => seq % 2 === 0);
      for (const seq of acked) outbox.ack(seq);
      await nextTick();
      await nextTick();
      expect(warnings.filter((w) => /acks not written/.test(w))).toHaveLength(1);
      expect(fs.statSync(path.join(dir, 'acks.log')).size).toBe(0);

      // A compaction's rewrite of the ack journal is refused too: the old journal stays.
      outbox.compactNow();
      expect(warnings.join('\n')).toMatch(/not rewritten, the old journal is kept: ENOSPC/);
      expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

      // Acking all of the first segment lets the compaction delete it: the disk gives room back.
      const [, second] = fs
        .readdirSync(dir)
        .filter((name) => name.startsWith('seg-'))
        .sort();
      const firstSegment = accepted.filter((seq) => seq < Number(second?.slice(4, 20)));
      expect(firstSegment.length).toBeGreaterThan(1);
      for (const seq of firstSegment) outbox.ack(seq);
      await nextTick();
      await nextTick();
      expect(outbox.stats().segments).toBe(before.segments - 1);
      expect(disk.free()).toBeGreaterThan(0);
      full.fill();
      expect((await appendAll(outbox, 47, 47))[0]).toMatchObject({ reason: { code: 'ENOSPC' } });

      // Room again: appends succeed, the waiting acks are written at the next flush.
      full.release();
      const later: number[] = [];
      for (let n = 48; n <= 52; n++) later.push(await outbox.append(event(n)));
      outbox.ack(later[0] as number);
      await nextTick();
      expect(warnings.join('\n')).toMatch(/acks are written again/);

      const done = new Set([...acked, ...firstSegment, later[0]]);
      const expected = [...accepted, ...later].filter((seq) => !done.has(seq));
      expect(pendingOf(outbox).map((s) => Number(s.split(':')[0]))).toEqual(expected);
      const live = pendingOf(outbox);
      outbox = await reopen(outbox);
      expect(pendingOf(outbox)).toEqual(live);
      expect(outbox.stats().skippedLines).toBe(0);
      expect(await outbox.append(event(53))).toBeGreaterThan(Math.max(...later));
    });

    it('opens again on a full disk with every pending event, and appends once there is room', async () => {
      let outbox = openOutbox();
      for (let n = 1; n <= 20; n++) await outbox.append(event(n));
      for (let seq = 1; seq <= 5; seq++) outbox.ack(seq);
      outbox = await reopen(outbox);
      const pending = pendingOf(outbox);
      expect(pending).toHaveLength(15);

      // Closed, then the disk fills up (what the close freed included), then opened on it.
      const full = ballast(disk.dir);
      const reopenOnFull = async (closing: Outbox) => {
        open.splice(open.indexOf(closing), 1);
        await closing.close();
        full.fill();
        return openOutbox();
      };
      outbox = await reopenOnFull(outbox);
      expect(pendingOf(outbox)).toEqual(pending);
      expect((await appendAll(outbox, 21, 21))[0]).toMatchObject({ reason: { code: 'ENOSPC' } });
      for (let seq = 6; seq <= 8; seq++) outbox.ack(seq);

      // Closed while full: an ack the disk refused comes back as a redelivery, never as a loss.
      outbox = await reopenOnFull(outbox);
      const afterFull = pendingOf(outbox);
      expect(afterFull.filter((s) => !pending.includes(s))).toEqual([]);
      const gone = pending.filter((s) => !afterFull.includes(s));
      expect(gone.filter((s) => !['6:ev-6', '7:ev-7', '8:ev-8'].includes(s))).toEqual([]);

      full.release();
      const seq = await outbox.append(event(22));
      expect(seq).toBeGreaterThan(20);
      const live = pendingOf(outbox);
      outbox = await reopen(outbox);
      expect(pendingOf(outbox)).toEqual(live);
      expect(live.at(-1)).toBe(`${seq}:ev-22`);
      expect(outbox.stats().skippedLines).toBe(0);
    });
  },
);

describe.skipIf(thinRefusal !== undefined)(
  `outbox on a thinly provisioned disk${thinRefusal ? ` (skipped: ${thinRefusal})` : ''}`,
  () => {
    let disk: Tmpfs & { backing: Tmpfs };
    let outbox: Outbox | undefined;

    beforeEach(() => {
      disk = mountThinExt4(8, 64);
    });

    afterEach(async () => {
      await outbox?.close();
      disk.dispose();
    });

    const openOutbox = () => new Outbox(DiskOutboxStore.open(path.join(disk.dir, 'outbox')));

    it('undoes a batch whose fdatasync fails with ENOSPC and takes appends once there is room', async () => {
      outbox = openOutbox();
      for (let n = 1; n <= 5; n++) await outbox.append(event(n));
      const before = outbox.stats();
      const full = ballast(disk.backing.dir);
      full.fill();

      // 2 MB in one batch: the ext4 takes the write, its backing cannot take the pages.
      const batch = await Promise.allSettled(
        Array.from({ length: 100 }, (_, k) => (outbox as Outbox).append(event(6 + k, 20_000))),
      );
      expect(batch.every((r) => r.status === 'rejected')).toBe(true);
      expect((batch[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'ENOSPC',
        syscall: 'fdatasync',
      });
      expect(outbox.stats().bytesOnDisk).toBe(before.bytesOnDisk);

      full.release();
      const seq = await outbox.append(event(106));
      const live = pendingOf(outbox);
      expect(live).toEqual(['1:ev-1', '2:ev-2', '3:ev-3', '4:ev-4', '5:ev-5', `${seq}:ev-106`]);
      await outbox.close();
      outbox = openOutbox();
      expect(pendingOf(outbox)).toEqual(live);
      expect(outbox.stats().skippedLines).toBe(0);
    });
  },
);
