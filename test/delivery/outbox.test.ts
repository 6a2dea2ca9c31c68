import { describe, expect, it } from 'vitest';
import {
  type MemoryOutboxState,
  MemoryOutboxStore,
} from '../../foundation/delivery/outbox/memory-outbox-store.ts';
import { Outbox, type OutboxOptions } from '../../foundation/delivery/outbox/outbox.ts';
import { message, seqs } from './outbox-messages.ts';

/** The outbox's own policy (seqs, group commit, overflow, counters), over the memory store. */

function memoryOutbox(options: OutboxOptions = {}) {
  const state: MemoryOutboxState = { records: new Map(), nextSeq: 1 };
  let outbox = new Outbox(new MemoryOutboxStore(state), options);
  return {
    get outbox() {
      return outbox;
    },
    async reopen(again: OutboxOptions = options) {
      await outbox.close();
      outbox = new Outbox(new MemoryOutboxStore(state), again);
      return outbox;
    },
  };
}

describe('Outbox', () => {
  it('numbers messages in the order of the calls; seqs go on after a reopen', async () => {
    const box = memoryOutbox();
    const appended = await Promise.all(
      [1, 2, 3].map((n) => box.outbox.append(message(n, n === 1 ? 'start' : 'update'))),
    );
    expect(appended).toEqual([1, 2, 3]);
    const before = [...box.outbox.pending()];
    const outbox = await box.reopen();
    expect([...outbox.pending()]).toEqual(before);
    expect(outbox.stats()).toMatchObject({ depth: 3, recovered: 3, skippedLines: 0 });
    expect(await outbox.append(message(4))).toBe(4);
  });

  it('gives appends made in the same tick to its store in one write', async () => {
    const { outbox } = memoryOutbox();
    await Promise.all(Array.from({ length: 100 }, (_, n) => outbox.append(message(n))));
    expect(outbox.stats()).toMatchObject({ appended: 100, writes: 1 });
  });

  it('acks a pending message once, and does not bring back acked messages', async () => {
    const box = memoryOutbox();
    for (let n = 1; n <= 5; n++) await box.outbox.append(message(n));
    expect(box.outbox.ack(1)).toBe(true);
    expect(box.outbox.ack(3)).toBe(true);
    expect(box.outbox.ack(3)).toBe(false);
    expect(box.outbox.ack(99)).toBe(false);
    expect(box.outbox.stats().acked).toBe(2);
    expect(seqs(box.outbox)).toEqual([2, 4, 5]);
    const outbox = await box.reopen();
    expect(seqs(outbox)).toEqual([2, 4, 5]);
    expect(outbox.stats().acked).toBe(0);
  });

  it('tells its listeners after each write', async () => {
    const { outbox } = memoryOutbox();
    let calls = 0;
    const unsubscribe = outbox.onAppend(() => calls++);
    await Promise.all([outbox.append(message(1)), outbox.append(message(2))]);
    await outbox.append(message(3));
    unsubscribe();
    await outbox.append(message(4));
    expect(calls).toBe(2);
  });

  it('on overflow drops the oldest update first, never start or end, and counts it', async () => {
    const box = memoryOutbox({ maxPending: 3 });
    const { outbox } = box;
    await outbox.append(message(1, 'start'));
    await outbox.append(message(2, 'update'));
    await outbox.append(message(3, 'update'));
    await outbox.append(message(4, 'end'));
    expect(seqs(outbox)).toEqual([1, 3, 4]);
    await outbox.append(message(5, 'start', 'cam-b'));
    expect(seqs(outbox)).toEqual([1, 4, 5]);
    expect(outbox.stats()).toMatchObject({ depth: 3, dropped: 2, overLimit: 0 });
    // Only start/end left: the outbox grows past maxPending rather than lose them.
    await outbox.append(message(6, 'end', 'cam-b'));
    expect(seqs(outbox)).toEqual([1, 4, 5, 6]);
    expect(outbox.stats()).toMatchObject({ depth: 4, dropped: 2, overLimit: 1 });
    // An update arriving now is kept (nothing older to drop); the next one pushes it out.
    await outbox.append(message(7, 'update'));
    await outbox.append(message(8, 'update'));
    expect(seqs(outbox)).toEqual([1, 4, 5, 6, 8]);
    expect(seqs(await box.reopen())).toEqual([1, 4, 5, 6, 8]);
  });

  it('applies the overflow policy within one write as if its appends came one by one', async () => {
    const { outbox } = memoryOutbox({ maxPending: 2 });
    await Promise.all([1, 2, 3, 4].map((n) => outbox.append(message(n))));
    expect(seqs(outbox)).toEqual([3, 4]);
    expect(outbox.stats()).toMatchObject({ writes: 1, dropped: 2 });
  });

  it('rejects appends after close, and acks do nothing', async () => {
    const { outbox } = memoryOutbox();
    await outbox.append(message(1));
    await outbox.close();
    await expect(outbox.append(message(2))).rejects.toMatchObject({ code: 'OUTBOX_CLOSED' });
    expect(outbox.ack(1)).toBe(false);
  });

  it('refuses a maxPending below 1', () => {
    expect(() => new Outbox(new MemoryOutboxStore(), { maxPending: 0 })).toThrow(RangeError);
  });
});
