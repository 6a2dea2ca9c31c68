// Issue 18 item 4 ("A full disk drops events"): on a real filesystem that fills up (a tmpfs of a
// few MB), no event is lost: events wait for the outbox and go out without the files that could not
// be written, named in `evidence.missing`; disk-full is a health state and a metric, cleared when
// writes succeed again; and the clip buffer gives way before it can fill the disk itself.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import { startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { DeliveryHarness, type DeliveryHarness as Harness } from '../delivery/mqtt-harness.ts';
import { type EdgeRun, runEdge, waitUntil, writeVtestConfig } from '../support/edge-process.ts';
import { mountRefusal, mountTmpfs } from '../support/full-disk.ts';

const MIB = 1024 * 1024;

const refusal = mountRefusal();

/** Mounts a tmpfs of `megabytes` on a new folder; unmounted after the tests. */
function tmpfs(megabytes: number, cleanups: (() => void)[]): string {
  const disk = mountTmpfs(megabytes);
  cleanups.push(() => disk.dispose());
  return disk.dir;
}

/** Writes into `file` until the disk refuses (ENOSPC), leaving at most `leaveBytes` free. */
function fill(fd: number, dir: string, leaveBytes = 0): void {
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let size = chunk.length; size >= 512; ) {
    if (statfsSync(dir).bavail * statfsSync(dir).bsize <= leaveBytes + size) {
      size /= 2;
      continue;
    }
    try {
      writeSync(fd, chunk, 0, size);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      size /= 2;
    }
  }
}

/** A ballast file that keeps the disk full (topped up every 50 ms, as a runaway log would). */
function keepFull(dir: string): { release(): void } {
  const file = path.join(dir, 'ballast');
  const fd = openSync(file, 'a');
  fill(fd, dir);
  const timer = setInterval(() => fill(fd, dir), 50);
  return {
    release() {
      clearInterval(timer);
      closeSync(fd);
      rmSync(file, { force: true });
    },
  };
}

interface Health {
  status: string;
  storage?: { state: string; eventsWaiting: number; freeBytes: number | null };
}
const health = async (api: string) => (await (await fetch(`${api}/health`)).json()) as Health;
const metric = async (api: string, name: string) => {
  const text = await (await fetch(`${api}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

/** Every incident's events arrived whole: sequences 0..n without a gap, a start first, an end last. */
function expectWholeIncidents(events: readonly EdgeEvent[]): void {
  const byIncident = new Map<string, EdgeEvent[]>();
  for (const e of events) byIncident.set(e.incidentId, [...(byIncident.get(e.incidentId) ?? []), e]);
  expect(byIncident.size).toBeGreaterThan(0);
  for (const [id, list] of byIncident) {
    const sequences = [...new Set(list.map((e) => e.sequence))].sort((a, b) => a - b);
    expect(sequences, `sequences of ${id}`).toEqual(sequences.map((_, k) => k));
    const phases = (n: number) => list.filter((e) => e.sequence === n).map((e) => e.phase);
    expect(phases(0), `first event of ${id}`).toContain('start');
    expect(phases(sequences.at(-1) as number), `last event of ${id}`).toContain('end');
  }
}

describe.skipIf(refusal !== undefined)(
  `edge on a full disk${refusal ? ` (skipped: mount is not permitted here: ${refusal})` : ''}`,
  () => {
    const cleanups: (() => void)[] = [];
    let broker: TestBroker;
    let harness: Harness;
    let work: string;

    beforeAll(async () => {
      work = mkdtempSync(path.join(os.tmpdir(), 'edge-disk-full-'));
      broker = await startMosquitto();
      harness = new DeliveryHarness();
    });
    afterAll(async () => {
      await harness?.dispose();
      await broker?.dispose();
      for (const cleanup of cleanups.reverse()) cleanup();
      rmSync(work, { recursive: true, force: true });
    });

    const config = (name: string, dataDir: string) =>
      writeVtestConfig(work, name, (c) => {
        c.mqtt = { url: broker.url };
        c.dataDir = dataDir;
        c.delivery = { heartbeatSeconds: 1 };
        c.live = { enabled: false };
        c.evidence = { clips: { preRollSeconds: 1, postRollSeconds: 1, segmentSeconds: 1 } };
      });

    async function stopped(edge: EdgeRun): Promise<void> {
      edge.child.kill('SIGINT');
      expect(await edge.exited, edge.stderr().slice(-3000)).toBe(0);
    }

    it('loses no event while the disk is full, names the files left out, and reports it until writes succeed', async () => {
      const data = tmpfs(24, cleanups);
      mkdirSync(path.join(data, 'edge'));
      const sub = await harness.subscribe(broker.url, 'edges/edge-demo/events/#', 'disk-full-events');
      const statuses = await harness.subscribe(broker.url, 'edges/edge-demo/status', 'disk-full-status');
      const edge = runEdge(config('full', path.join(data, 'edge')));
      try {
        const api = await edge.api();
        await waitUntil(
          () => edge.printed.length > 0,
          60_000,
          () => `a first event; ${edge.stderr().slice(-1500)}`,
        );
        const ballast = keepFull(data);
        let mostWaiting = 0;
        try {
          await waitUntil(
            async () => (await health(api)).storage?.state === 'disk_full',
            20_000,
            () => 'the health to say disk_full',
          );
          expect(await health(api)).toMatchObject({ status: 'degraded', storage: { state: 'disk_full' } });
          expect(await metric(api, 'edge_storage_disk_full')).toBe(1);
          // Events keep coming (the standing group, the road's counter) while the disk stays full.
          const until = Date.now() + 15_000;
          while (Date.now() < until) {
            mostWaiting = Math.max(mostWaiting, (await health(api)).storage?.eventsWaiting ?? 0);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          expect(edge.child.exitCode, edge.stderr().slice(-3000)).toBeNull();
        } finally {
          ballast.release();
        }
        expect(await metric(api, 'edge_storage_full_writes_total')).toBeGreaterThan(0);
        // Free again: the waiting events go in, and the next write clears the state.
        await waitUntil(
          async () => {
            const now = await health(api);
            return now.storage?.state === 'ok' && now.storage.eventsWaiting === 0;
          },
          30_000,
          () => 'the disk_full state to clear',
        );
        expect(await metric(api, 'edge_storage_disk_full')).toBe(0);
        await stopped(edge);

        const received = sub.messages.map((m) => EventSchema.parse(JSON.parse(m.payload)));
        const ids = new Set(received.map((e) => e.eventId));
        expect(edge.printed.filter((e) => !ids.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
        expectWholeIncidents(received);
        const missing = received.flatMap((e) => e.evidence.missing ?? []);
        expect(missing.length, 'events went out without files').toBeGreaterThan(0);
        expect(missing.some((m) => m.reason.startsWith('disk full'))).toBe(true);
        // The centre sees it too: the heartbeat carried the disk's state, and its recovery.
        const storageStates = statuses.messages.map(
          (m) => EdgeStatusSchema.parse(JSON.parse(m.payload)).storage?.state,
        );
        expect(storageStates).toContain('disk_full');
        expect(storageStates.lastIndexOf('ok')).toBeGreaterThan(storageStates.indexOf('disk_full'));
        for (const m of missing) expect(m.reason.length).toBeLessThanOrEqual(200);
        // The outbox itself refused appends: those events waited in memory, none was dropped.
        expect(mostWaiting, 'events waited for the outbox while the disk was full').toBeGreaterThan(0);
      } finally {
        edge.child.kill('SIGKILL');
      }
    }, 150_000);

    it('keeps space free for events: the clip buffer deletes its oldest video rather than fill the disk', async () => {
      const data = tmpfs(16, cleanups);
      mkdirSync(path.join(data, 'edge'));
      // What is left for the edge: 2 MiB above the 2 MiB reserve of a small disk, less than the
      // video (about 50 kB/s), snapshots and clips (about 1 MB) of the run below.
      const fd = openSync(path.join(data, 'ballast'), 'a');
      fill(fd, data, 4 * MIB);
      closeSync(fd);
      const sub = await harness.subscribe(broker.url, 'edges/edge-demo/events/#', 'disk-reserve-events');
      const spawnedAt = Date.now();
      const edge = runEdge(config('reserve', path.join(data, 'edge')));
      try {
        const api = await edge.api();
        const reserve = 2 * MIB;
        let leastFree = Number.POSITIVE_INFINITY;
        const until = Date.now() + 35_000;
        while (Date.now() < until) {
          const { bavail, bsize } = statfsSync(data);
          leastFree = Math.min(leastFree, bavail * bsize);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // Video beyond what the disk could take was recorded and deleted: the reserve held (clips
        // being cut dip into it for a moment) and no write was refused.
        expect(await metric(api, 'edge_storage_reserve_bytes')).toBe(reserve);
        expect(leastFree).toBeGreaterThan(reserve / 2);
        expect(await metric(api, 'edge_storage_full_writes_total')).toBe(0);
        expect(await metric(api, 'edge_camera_recording_up{camera="vtest"}')).toBe(1);
        // The buffer holds less than was recorded: its oldest video went.
        const buffered = (await metric(
          api,
          'edge_camera_recording_buffer_seconds{camera="vtest"}',
        )) as number;
        expect(buffered).toBeGreaterThan(2);
        expect(buffered).toBeLessThan((Date.now() - spawnedAt) / 1000 - 10);
        await stopped(edge);
        const received = sub.messages.map((m) => EventSchema.parse(JSON.parse(m.payload)));
        // Every event got out. (On a disk this small the clips cut at the stop, copies of up to half a
        // minute of video each, may still not fit: those events name the clip as missing.)
        const ids = new Set(received.map((e) => e.eventId));
        expect(edge.printed.filter((e) => !ids.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
        expectWholeIncidents(received);
      } finally {
        edge.child.kill('SIGKILL');
      }
    }, 120_000);
  },
);
