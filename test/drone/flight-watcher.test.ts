import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlightReport } from '../../edge/drone/flight-service.ts';
import { FlightWatcher, PROCESSED_MARKER } from '../../edge/drone/flight-watcher.ts';
import { useTempDir } from '../support/temp-dir.ts';

describe('FlightWatcher', () => {
  const tempDir = useTempDir('drone-inbox-');

  it('takes a flight folder only once its files have settled, and only once', async () => {
    let clock = 0;
    const taken: string[] = [];
    const watcher = new FlightWatcher({
      inbox: tempDir(),
      settleMs: 5000,
      now: () => clock,
      process: async (dir): Promise<FlightReport> => {
        taken.push(path.basename(dir));
        return { flight: path.basename(dir), images: [], events: [] };
      },
    });
    const flight = path.join(tempDir(), 'flight-a');
    await mkdir(flight);
    await writeFile(path.join(flight, 'DJI_0001.jpg'), Buffer.alloc(1000));
    expect(await watcher.scanOnce()).toEqual([]);
    clock = 3000;
    // Still being copied: the file grows, so the settle time starts again.
    await writeFile(path.join(flight, 'DJI_0001.jpg'), Buffer.alloc(5000));
    expect(await watcher.scanOnce()).toEqual([]);
    clock = 7000;
    expect(await watcher.scanOnce()).toEqual([]);
    clock = 8100;
    expect(await watcher.scanOnce()).toEqual([flight]);
    expect(taken).toEqual(['flight-a']);
    const marker = JSON.parse(await readFile(path.join(flight, PROCESSED_MARKER), 'utf8'));
    expect(marker.flight).toBe('flight-a');
    clock = 20_000;
    expect(await watcher.scanOnce()).toEqual([]);
    expect(await watcher.scanOnce()).toEqual([]);
    expect(taken).toEqual(['flight-a']);
  });

  it('marks a flight that failed with the reason instead of retrying it for ever', async () => {
    let clock = 0;
    const errors: string[] = [];
    const watcher = new FlightWatcher({
      inbox: tempDir(),
      settleMs: 10,
      now: () => clock,
      process: async () => {
        throw new Error('FLIGHT_BASELINE_MISSING: area "x": no images');
      },
      onError: (dir, error) => errors.push(`${path.basename(dir)}: ${(error as Error).message}`),
    });
    const flight = path.join(tempDir(), 'flight-b');
    await mkdir(flight);
    await writeFile(path.join(flight, 'a.jpg'), Buffer.alloc(10));
    await watcher.scanOnce();
    clock = 100;
    await watcher.scanOnce();
    expect(errors).toEqual(['flight-b: FLIGHT_BASELINE_MISSING: area "x": no images']);
    expect(JSON.parse(await readFile(path.join(flight, PROCESSED_MARKER), 'utf8'))).toMatchObject({
      failed: true,
    });
  });
});
