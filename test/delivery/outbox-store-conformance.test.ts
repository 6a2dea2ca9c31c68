import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import {
  type MemoryOutboxState,
  MemoryOutboxStore,
} from '../../foundation/delivery/outbox/memory-outbox-store.ts';
import type { OutboxStore, PendingMessage } from '../../foundation/delivery/outbox/outbox-store.ts';

/**
 * What every outbox store must do, in the manner of MQTT.js's abstract_store test: each behaviour
 * the Outbox relies on is asserted once, and every store runs the whole suite. `open` opens the
 * store over the same backing each time, so that a close and an open stand for a restart.
 */

interface Backing {
  open(): OutboxStore;
  dispose(): void;
}

const stores: { name: string; backing: () => Backing }[] = [
  {
    name: 'DiskOutboxStore',
    backing: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-store-'));
      return {
        open: () => DiskOutboxStore.open(dir, { segmentBytes: 512 }),
        dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'MemoryOutboxStore',
    backing: () => {
      const state: MemoryOutboxState = { records: new Map(), nextSeq: 1 };
      return { open: () => new MemoryOutboxStore(state), dispose: () => {} };
    },
  },
];

function record(seq: number, phase: PendingMessage['phase'] = 'update'): PendingMessage {
  return {
    seq,
    at: 1_700_000_000_000 + seq + 0.25,
    cameraId: seq % 2 ? 'cam-a' : 'cam-b',
    phase,
    topic: 'edges/e1/events/loitering',
    payload: JSON.stringify({ eventId: `ev-${seq}`, text: 'ü'.repeat(seq % 5) }),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => record(from + k));
const seqs = (store: OutboxStore, afterSeq = 0) => [...store.pending(afterSeq)].map((r) => r.seq);

describe.each(stores)('outbox store conformance: $name', ({ backing: makeBacking }) => {
  let backing: Backing;
  let store: OutboxStore;

  beforeEach(() => {
    backing = makeBacking();
    store = backing.open();
  });

  afterEach(async () => {
    await store.close();
    backing.dispose();
  });

  async function reopen(): Promise<OutboxStore> {
    await store.close();
    store = backing.open();
    return store;
  }

  it('starts empty, with seq 1 next', () => {
    expect(store.depth).toBe(0);
    expect(store.nextSeq).toBe(1);
    expect(seqs(store)).toEqual([]);
  });

  it('hands back what it was given, in seq order and field for field', async () => {
    const records = range(1, 5);
    await store.append(records.slice(0, 2));
    await store.append(records.slice(2));
    expect([...store.pending(0)]).toEqual(records);
    expect(store.depth).toBe(5);
    expect(store.get(3)).toEqual(records[2]);
    expect(store.get(6)).toBeUndefined();
    expect(store.nextSeq).toBe(6);
  });

  it('hands back only the records above a seq', async () => {
    await store.append(range(1, 5));
    expect(seqs(store, 3)).toEqual([4, 5]);
    expect(seqs(store, 5)).toEqual([]);
  });

  it('forgets a removed record once, and says when there was nothing to remove', async () => {
    await store.append(range(1, 3));
    expect(store.remove(2)).toBe(true);
    expect(store.remove(2)).toBe(false);
    expect(store.remove(99)).toBe(false);
    expect(store.get(2)).toBeUndefined();
    expect(store.depth).toBe(2);
    expect(seqs(store)).toEqual([1, 3]);
  });

  it('iterates live: removals and appends made during the iteration are seen', async () => {
    await store.append(range(1, 3));
    const seen: number[] = [];
    for (const r of store.pending(0)) {
      seen.push(r.seq);
      if (r.seq === 1) store.remove(2);
      if (r.seq === 3) {
        // The pump keeps one iterator between pumps: a later append must show up in it.
        await store.append([record(4)]);
      }
    }
    expect(seen).toEqual([1, 3, 4]);
  });

  it('keeps what was not removed across a reopen, and goes on above every seq it held', async () => {
    await store.append(range(1, 4));
    store.remove(1);
    store.remove(3);
    await reopen();
    expect([...store.pending(0)]).toEqual([record(2), record(4)]);
    expect(store.nextSeq).toBe(5);
    store.remove(2);
    store.remove(4);
    store.compact();
    await reopen();
    expect(store.depth).toBe(0);
    expect(store.nextSeq).toBe(5);
  });

  it('keeps many records over many appends and removals', async () => {
    for (let seq = 1; seq <= 200; seq += 10) await store.append(range(seq, seq + 9));
    for (let seq = 1; seq <= 200; seq++) if (seq % 3 !== 0) store.remove(seq);
    await new Promise((resolve) => setImmediate(resolve));
    store.compact();
    await reopen();
    expect(seqs(store)).toEqual(
      range(1, 200)
        .filter((r) => r.seq % 3 === 0)
        .map((r) => r.seq),
    );
    expect(store.nextSeq).toBe(201);
  });

  it('reports its size', async () => {
    await store.append(range(1, 3));
    const stats = store.stats();
    expect(stats.skippedLines).toBe(0);
    expect(stats.segments).toBeGreaterThanOrEqual(0);
    expect(stats.bytesOnDisk).toBeGreaterThanOrEqual(0);
  });
});
