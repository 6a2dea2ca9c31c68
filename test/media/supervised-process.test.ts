import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RestartInfo,
  type RunOutcome,
  SupervisedProcess,
  type SupervisedProcessOptions,
  type Watchdog,
} from '../../foundation/media/supervised-process.ts';
import { waitFor } from '../ingest/helpers.ts';

const quiet: Watchdog = { progress: () => undefined, check: () => undefined };
const supervised: SupervisedProcess[] = [];

/** A supervised `node -e script`, whose runs fail unless `handle` says otherwise. */
function node(script: string, options: Partial<SupervisedProcessOptions> = {}): SupervisedProcess {
  const process_ = new SupervisedProcess({
    command: () => ({ file: process.execPath, args: ['-e', script] }),
    backoff: { initialSeconds: 0.02, maxSeconds: 0.05 },
    watchdog: () => quiet,
    watchdogIntervalMs: 20,
    handle: async (run) => {
      const { code } = await run.exited;
      return { kind: 'failed', reason: `exited with ${code}` };
    },
    random: () => 0.5,
    ...options,
  });
  supervised.push(process_);
  return process_;
}

afterEach(async () => {
  await Promise.all(supervised.splice(0).map((p) => p.stop()));
});

describe('SupervisedProcess', () => {
  it('restarts failed runs after a growing backoff and stops once', async () => {
    const p = node('process.exit(3)');
    const restarts: RestartInfo[] = [];
    let stopped = 0;
    p.on('restart', (info) => restarts.push(info));
    p.on('stopped', () => {
      stopped += 1;
    });
    p.start();
    await waitFor('four restarts', () => restarts.length >= 4, 20_000);
    expect(restarts.slice(0, 4).map((r) => r.attempt)).toEqual([0, 1, 2, 3]);
    expect(restarts.slice(0, 4).map((r) => r.delaySeconds)).toEqual([0.01, 0.02, 0.025, 0.025]);
    expect(restarts[0]?.reason).toBe('exited with 3');
    expect(p.counts().restarts).toBeGreaterThanOrEqual(3);
    expect(p.counts().consecutiveFailures).toBeGreaterThanOrEqual(4);
    await p.stop();
    await p.stop();
    expect(stopped).toBe(1);
  });

  it('ends a stalled run and restarts it, with the watchdog verdict as the reason', async () => {
    let runs = 0;
    const p = node('setInterval(() => {}, 1000)', {
      watchdog: (startedAt) => {
        runs += 1;
        return {
          progress: () => undefined,
          check: (now) => (now - startedAt >= 100 ? { message: 'silent' } : undefined),
        };
      },
    });
    const stalls: string[] = [];
    const restarts: RestartInfo[] = [];
    p.on('stall', (reason) => stalls.push(reason));
    p.on('restart', (info) => restarts.push(info));
    p.start();
    await waitFor('two stalled runs', () => restarts.length >= 2, 20_000);
    expect(stalls.slice(0, 2)).toEqual(['silent', 'silent']);
    expect(restarts.slice(0, 2).map((r) => r.reason)).toEqual(['silent', 'silent']);
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('stops supervising after a run that ended for good, and resets the backoff on a healthy run', async () => {
    let calls = 0;
    const p = node('process.exit(0)', {
      handle: async (run): Promise<RunOutcome> => {
        calls += 1;
        await run.exited;
        if (calls < 3) return { kind: 'failed', reason: 'again' };
        run.healthy();
        return { kind: 'ended' };
      },
    });
    const stopped = new Promise<void>((resolve) => p.once('stopped', resolve));
    p.start();
    await stopped;
    expect(calls).toBe(3);
    expect(p.counts()).toEqual({ restarts: 2, consecutiveFailures: 0 });
  });

  it('asks a process to finish with the stop signal and kills it after the grace period', async () => {
    let child: ChildProcess | undefined;
    let ready = false;
    const p = node("process.on('SIGINT', () => {}); setInterval(() => {}, 1000); console.log('up')", {
      stopSignal: 'SIGINT',
      stopGraceMs: 300,
      handle: async (run) => {
        child = run.child;
        run.child.stdout?.once('data', () => {
          ready = true;
        });
        await run.exited;
        return { kind: 'failed', reason: 'exited' };
      },
    });
    p.start();
    await waitFor('the process ignoring SIGINT', () => ready, 10_000);
    const began = Date.now();
    await p.stop();
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(child?.signalCode).toBe('SIGKILL');
  });

  it('counts a refused start as a failed run without starting a process', async () => {
    let spawned = 0;
    const p = node('process.exit(0)', {
      prepare: async () => 'disk not mounted',
      handle: async (run) => {
        spawned += 1;
        await run.exited;
        return { kind: 'ended' };
      },
    });
    const restarts: RestartInfo[] = [];
    p.on('restart', (info) => restarts.push(info));
    p.start();
    await waitFor('two refusals', () => restarts.length >= 2, 10_000);
    expect(restarts[0]?.reason).toBe('disk not mounted');
    expect(spawned).toBe(0);
  });
});
