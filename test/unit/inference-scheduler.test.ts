import { describe, expect, it } from 'vitest';
import {
  InferenceScheduler,
  SchedulerClosedError,
  SupersededError,
} from '../../edge/detect/inference-scheduler.ts';

/** Lets every pending promise callback and microtask run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Call {
  batch: string[];
  resolve: (results: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * A fake model: every `run` call is recorded and stays pending until the test finishes it, so the
 * test decides when the model is busy.
 */
function fakeModel() {
  const calls: Call[] = [];
  const run = (batch: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ batch: [...batch], resolve, reject });
    });
  const last = () => calls[calls.length - 1] as Call;
  /** Finishes the latest call with `result(input)` for each input. */
  const finish = async () => {
    last().resolve(last().batch.map((input) => `result:${input}`));
    await flush();
  };
  return { calls, run, last, finish };
}

/** Records how each submit ended, so no rejection goes unhandled. */
function outcome(promise: Promise<string>) {
  const state: { value?: string; error?: unknown } = {};
  promise.then(
    (value) => {
      state.value = value;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return state;
}

describe('InferenceScheduler', () => {
  it('runs a job and resolves its promise with the result', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1 });
    const job = outcome(scheduler.submit('cam-1', 'f1'));
    await flush();
    expect(model.calls.map((c) => c.batch)).toEqual([['f1']]);
    await model.finish();
    expect(job.value).toBe('result:f1');
    expect(scheduler.stats().sources[0]).toMatchObject({ sourceId: 'cam-1', submitted: 1, completed: 1 });
  });

  it('latest frame wins: a newer submit replaces the waiting job, which rejects with SupersededError', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1 });
    const running = outcome(scheduler.submit('cam-1', 'f1'));
    await flush();
    // f1 is running; f2 waits, then f3 and f4 replace it in turn.
    const f2 = outcome(scheduler.submit('cam-1', 'f2'));
    const f3 = outcome(scheduler.submit('cam-1', 'f3'));
    const f4 = outcome(scheduler.submit('cam-1', 'f4'));
    await flush();
    expect(f2.error).toBeInstanceOf(SupersededError);
    expect((f2.error as SupersededError).sourceId).toBe('cam-1');
    expect(f3.error).toBeInstanceOf(SupersededError);
    expect(f4.error).toBeUndefined();
    expect(model.calls).toHaveLength(1);

    await model.finish();
    expect(running.value).toBe('result:f1');
    expect(model.calls.map((c) => c.batch)).toEqual([['f1'], ['f4']]);
    await model.finish();
    expect(f4.value).toBe('result:f4');
    expect(scheduler.stats().sources[0]).toMatchObject({
      submitted: 4,
      completed: 2,
      superseded: 2,
      failed: 0,
      waiting: false,
      running: false,
    });
  });

  it('serves waiting sources round-robin: a fast source cannot starve slow ones', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1 });
    const jobs: ReturnType<typeof outcome>[] = [];
    /** How many runs had started when each frame was submitted. */
    const runsAtSubmit = new Map<string, number>();
    const submit = (source: string, frame: string) => {
      runsAtSubmit.set(frame, model.calls.length);
      jobs.push(outcome(scheduler.submit(source, frame)));
    };

    // The model finishes one job per tick. "fast" submits every tick, "medium" every 4th, "slow"
    // every 10th: more work than the model can do, so someone has to skip frames.
    for (let tick = 0; tick < 60; tick++) {
      submit('fast', `fast-${tick}`);
      if (tick % 4 === 0) submit('medium', `medium-${tick}`);
      if (tick % 10 === 0) submit('slow', `slow-${tick}`);
      await flush();
      await model.finish();
    }
    // Each waiting source gets its turn before the fast one runs again, so the slower ones are
    // never superseded: they skip no frame, and the fast one skips what the model cannot keep up with.
    const stats = Object.fromEntries(scheduler.stats().sources.map((s) => [s.sourceId, s]));
    expect(stats.slow).toMatchObject({ submitted: 6, superseded: 0, completed: 6 });
    expect(stats.medium).toMatchObject({ submitted: 15, superseded: 0, completed: 15 });
    const fast = stats.fast;
    expect(fast?.superseded).toBeGreaterThan(0);
    expect(fast?.completed).toBeGreaterThan(30);
    // Fast jobs are only ever superseded, never lost: each is done, replaced, running or waiting.
    const unfinished = (fast?.waiting ? 1 : 0) + (fast?.running ? 1 : 0);
    expect((fast?.completed ?? 0) + (fast?.superseded ?? 0) + unfinished).toBe(60);
    // A slow or medium frame runs at the latest in the third run to start after its submit: the one
    // in flight finishes, at most the two other sources are ahead of it in the line, then it.
    const served = model.calls.map((c) => c.batch[0] as string);
    for (const frame of served.filter((f) => !f.startsWith('fast'))) {
      expect(served.indexOf(frame)).toBeLessThanOrEqual((runsAtSubmit.get(frame) ?? -1) + 2);
    }
    expect(served.filter((f) => f.startsWith('slow'))).toHaveLength(6);
    expect(jobs.filter((j) => j.error !== undefined && !(j.error instanceof SupersededError))).toEqual([]);
  });

  it('orders the line by when each source started waiting, and a superseding job keeps its place', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1 });
    const all = [outcome(scheduler.submit('a', 'a1'))];
    await flush();
    // a1 runs. The line fills: a (a2), b (b1), c (c1); then a3 replaces a2 in a's place.
    all.push(outcome(scheduler.submit('a', 'a2')));
    all.push(outcome(scheduler.submit('b', 'b1')));
    all.push(outcome(scheduler.submit('c', 'c1')));
    all.push(outcome(scheduler.submit('a', 'a3')));
    await model.finish(); // a1 done → a3 runs
    all.push(outcome(scheduler.submit('a', 'a4'))); // a goes to the back, behind b and c
    await model.finish(); // a3 done → b1
    await model.finish(); // b1 done → c1
    await model.finish(); // c1 done → a4
    await model.finish();
    expect(model.calls.map((c) => c.batch)).toEqual([['a1'], ['a3'], ['b1'], ['c1'], ['a4']]);
  });

  it('batches one job per waiting source, up to maxBatch per run, in round-robin order', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 2 });
    const first = ['a', 'b', 'c'].map((s) => outcome(scheduler.submit(s, `${s}1`)));
    await flush();
    // Submits in one tick share the first batch (the drain waits a microtask).
    expect(model.calls.map((c) => c.batch)).toEqual([['a1', 'b1']]);
    const second = ['a', 'b'].map((s) => outcome(scheduler.submit(s, `${s}2`)));
    await model.finish();
    expect(first.map((j) => j.value)).toEqual(['result:a1', 'result:b1', undefined]);
    // c was waiting before a and b came back: c first, then a; b waits for the next batch.
    expect(model.last().batch).toEqual(['c1', 'a2']);
    await model.finish();
    expect(model.last().batch).toEqual(['b2']);
    await model.finish();
    expect([...first, ...second].map((j) => j.value)).toEqual([
      'result:a1',
      'result:b1',
      'result:c1',
      'result:a2',
      'result:b2',
    ]);
    expect(scheduler.stats().totals).toMatchObject({ batches: 3, completed: 5, meanBatchSize: 5 / 3 });
  });

  it('never has two runs in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const scheduler = new InferenceScheduler(
      async (batch: number[]) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await flush();
        inFlight -= 1;
        return batch.map((n) => n * 2);
      },
      { maxBatch: 3 },
    );
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => scheduler.submit(`cam-${i}`, i)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(1);
    expect(scheduler.stats().totals.batches).toBe(7);
  });

  it('a failing run rejects only its batch; later jobs still run', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 2 });
    const doomed = [outcome(scheduler.submit('a', 'a1')), outcome(scheduler.submit('b', 'b1'))];
    await flush();
    const next = [outcome(scheduler.submit('a', 'a2')), outcome(scheduler.submit('c', 'c1'))];
    const failure = new Error('onnxruntime: out of memory');
    model.last().reject(failure);
    await flush();
    expect(doomed.map((j) => j.error)).toEqual([failure, failure]);
    expect(next.map((j) => j.error)).toEqual([undefined, undefined]);
    expect(model.last().batch).toEqual(['a2', 'c1']);
    await model.finish();
    expect(next.map((j) => j.value)).toEqual(['result:a2', 'result:c1']);
    const stats = Object.fromEntries(scheduler.stats().sources.map((s) => [s.sourceId, s]));
    expect(stats.a).toMatchObject({ submitted: 2, failed: 1, completed: 1 });
    expect(stats.b).toMatchObject({ submitted: 1, failed: 1, completed: 0 });
    expect(scheduler.stats().totals).toMatchObject({ failed: 2, completed: 2 });
  });

  it('a run that throws synchronously, or returns the wrong number of results, fails its batch only', async () => {
    let mode: 'throw' | 'short' | 'ok' = 'throw';
    const scheduler = new InferenceScheduler(
      (batch: string[]) => {
        if (mode === 'throw') throw new Error('session released');
        if (mode === 'short') return Promise.resolve(batch.slice(1));
        return Promise.resolve(batch.map((s) => s.toUpperCase()));
      },
      { maxBatch: 2 },
    );
    await expect(scheduler.submit('a', 'x')).rejects.toThrow('session released');
    mode = 'short';
    await expect(scheduler.submit('a', 'y')).rejects.toThrow('returned 0 results for a batch of 1');
    mode = 'ok';
    await expect(scheduler.submit('a', 'z')).resolves.toBe('Z');
  });

  it('measures queue wait and run time per source', async () => {
    let clock = 0;
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1, now: () => clock });
    const jobs = [outcome(scheduler.submit('a', 'a1')), outcome(scheduler.submit('b', 'b1'))];
    await flush(); // a1 starts at 0 after waiting 0 ms
    clock = 30;
    await model.finish(); // a1 ran 30 ms; b1 starts at 30 after waiting 30 ms
    clock = 50;
    await model.finish(); // b1 ran 20 ms
    expect(jobs.map((j) => j.value)).toEqual(['result:a1', 'result:b1']);
    const [a, b] = scheduler.stats().sources;
    expect(a).toMatchObject({ lastWaitMs: 0, meanWaitMs: 0, lastRunMs: 30, meanRunMs: 30 });
    expect(b).toMatchObject({ lastWaitMs: 30, meanWaitMs: 30, lastRunMs: 20, meanRunMs: 20 });
    jobs.push(outcome(scheduler.submit('b', 'b2')));
    await flush();
    clock = 60;
    await model.finish();
    expect(scheduler.stats().sources[1]).toMatchObject({
      lastWaitMs: 0,
      meanWaitMs: 15,
      lastRunMs: 10,
      meanRunMs: 15,
    });
    expect(scheduler.stats().totals).toMatchObject({ meanWaitMs: 10, meanRunMs: 20 });
  });

  it('close() rejects waiting jobs, lets the running batch finish, and refuses later submits', async () => {
    const model = fakeModel();
    const scheduler = new InferenceScheduler(model.run, { maxBatch: 1 });
    const running = outcome(scheduler.submit('a', 'a1'));
    await flush();
    const waiting = [outcome(scheduler.submit('a', 'a2')), outcome(scheduler.submit('b', 'b1'))];
    let closed = false;
    const closing = scheduler.close().then(() => {
      closed = true;
    });
    await flush();
    for (const job of waiting) {
      expect(job.error).toBeInstanceOf(SchedulerClosedError);
      expect((job.error as Error).message).toMatch(/scheduler is closed/);
    }
    expect(closed).toBe(false);
    await model.finish();
    await closing;
    expect(running.value).toBe('result:a1');
    expect(model.calls).toHaveLength(1);
    await expect(scheduler.submit('a', 'a3')).rejects.toBeInstanceOf(SchedulerClosedError);
    expect(scheduler.stats().totals).toMatchObject({ submitted: 3, completed: 1, cancelled: 2 });
    await scheduler.close(); // idempotent, and nothing is running
  });

  it('refuses a maxBatch that is not a whole number of at least 1', () => {
    const run = (batch: string[]) => Promise.resolve(batch);
    expect(() => new InferenceScheduler(run, { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new InferenceScheduler(run, { maxBatch: 1.5 })).toThrow(RangeError);
  });
});
