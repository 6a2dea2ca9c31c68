/**
 * Shares one model instance (one onnxruntime session) between the cameras of an edge box.
 *
 * - Latest frame wins: each source has at most one WAITING job. A newer submit from the same source
 *   replaces it and the replaced job's promise rejects with `SupersededError`, so a model slower
 *   than the cameras makes them skip frames instead of queueing up latency.
 * - Fair: sources with a waiting job are served round-robin, in the order they started waiting. A
 *   served source goes to the back of the line, so between two runs of a 25 fps camera every other
 *   waiting camera gets one run, however rarely it submits. A superseding job keeps its source's
 *   place in the line.
 * - One `run` call at a time (the session is single-stream), with up to `maxBatch` jobs, one per
 *   source. A failing `run` rejects that batch's jobs only; the next batch runs as usual.
 *
 * No timers: a submit schedules a drain on the microtask queue (so submits made in the same tick can
 * share a batch) and each finished run starts the next. Per job the scheduler allocates only the job
 * record; per run, the input array handed to `run`.
 */

export type BatchRunner<TInput, TResult> = (batch: TInput[]) => Promise<TResult[]>;

export interface InferenceSchedulerOptions {
  /** Most jobs per `run` call: 1 when the model has a fixed batch dimension. */
  maxBatch: number;
  /** Clock in milliseconds, for the wait and run times; `performance.now` unless given. */
  now?: () => number;
}

/** The job was replaced by a newer one from the same source before it ran. Expected, not a fault. */
export class SupersededError extends Error {
  constructor(readonly sourceId: string) {
    super(`frame from ${sourceId} was replaced by a newer one before the model got to it`);
    this.name = 'SupersededError';
  }
}

/** The scheduler was closed: the job was waiting at `close()`, or submitted after it. */
export class SchedulerClosedError extends Error {
  constructor(readonly sourceId: string) {
    super(`inference scheduler is closed; frame from ${sourceId} will not be run`);
    this.name = 'SchedulerClosedError';
  }
}

export interface SourceStats {
  sourceId: string;
  submitted: number;
  /** Resolved with a result. */
  completed: number;
  /** Replaced by a newer submit before running. */
  superseded: number;
  /** Rejected because their batch's `run` failed. */
  failed: number;
  /** Rejected because the scheduler closed while they waited. */
  cancelled: number;
  /** Whether a job is waiting now / running now. */
  waiting: boolean;
  running: boolean;
  /** Milliseconds from submit to the start of its run, for the latest job run and on average. */
  lastWaitMs: number;
  meanWaitMs: number;
  /** Milliseconds the `run` call took for the latest batch this source was in, and on average. */
  lastRunMs: number;
  meanRunMs: number;
}

export interface SchedulerStats {
  sources: SourceStats[];
  totals: {
    submitted: number;
    completed: number;
    superseded: number;
    failed: number;
    cancelled: number;
    /** `run` calls made, and jobs per call on average. */
    batches: number;
    meanBatchSize: number;
    meanWaitMs: number;
    meanRunMs: number;
  };
}

interface Job<TInput, TResult> {
  readonly input: TInput;
  readonly submittedAt: number;
  readonly resolve: (result: TResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Source<TInput, TResult> {
  readonly id: string;
  waiting: Job<TInput, TResult> | undefined;
  /** Next source in the ready line (an intrusive list: no allocation to queue a source). */
  next: Source<TInput, TResult> | undefined;
  queued: boolean;
  running: boolean;
  submitted: number;
  completed: number;
  superseded: number;
  failed: number;
  cancelled: number;
  /** Jobs that started a run: the count behind the means. */
  started: number;
  lastWaitMs: number;
  meanWaitMs: number;
  lastRunMs: number;
  meanRunMs: number;
}

export class InferenceScheduler<TInput, TResult> {
  private readonly sources = new Map<string, Source<TInput, TResult>>();
  private head: Source<TInput, TResult> | undefined;
  private tail: Source<TInput, TResult> | undefined;
  private readonly maxBatch: number;
  private readonly now: () => number;
  /** The batch being run, reused between runs (only one run at a time). */
  private readonly runningJobs: Job<TInput, TResult>[] = [];
  private readonly runningSources: Source<TInput, TResult>[] = [];
  private running: Promise<void> | undefined;
  private drainScheduled = false;
  private closed = false;
  private batches = 0;
  private batchedJobs = 0;

  constructor(
    private readonly run: BatchRunner<TInput, TResult>,
    options: InferenceSchedulerOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`maxBatch must be a whole number of at least 1, got ${options.maxBatch}`);
    }
    this.maxBatch = options.maxBatch;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Queues `input` as `sourceId`'s latest job. Resolves with its result; rejects with
   * `SupersededError` when a newer submit from the same source replaces it before it runs, with
   * the error `run` threw for its batch, or with `SchedulerClosedError`.
   */
  submit(sourceId: string, input: TInput): Promise<TResult> {
    if (this.closed) return Promise.reject(new SchedulerClosedError(sourceId));
    const source = this.source(sourceId);
    source.submitted += 1;
    return new Promise<TResult>((resolve, reject) => {
      const replaced = source.waiting;
      source.waiting = { input, submittedAt: this.now(), resolve, reject };
      if (replaced) {
        source.superseded += 1;
        replaced.reject(new SupersededError(sourceId));
      } else {
        this.enqueue(source);
      }
      this.scheduleDrain();
    });
  }

  /** Counters per source (in the order they first submitted) and over all sources. */
  stats(): SchedulerStats {
    const sources: SourceStats[] = [];
    const totals = {
      submitted: 0,
      completed: 0,
      superseded: 0,
      failed: 0,
      cancelled: 0,
      batches: this.batches,
      meanBatchSize: this.batches === 0 ? 0 : this.batchedJobs / this.batches,
      meanWaitMs: 0,
      meanRunMs: 0,
    };
    let started = 0;
    for (const s of this.sources.values()) {
      sources.push({
        sourceId: s.id,
        submitted: s.submitted,
        completed: s.completed,
        superseded: s.superseded,
        failed: s.failed,
        cancelled: s.cancelled,
        waiting: s.waiting !== undefined,
        running: s.running,
        lastWaitMs: s.lastWaitMs,
        meanWaitMs: s.meanWaitMs,
        lastRunMs: s.lastRunMs,
        meanRunMs: s.meanRunMs,
      });
      totals.submitted += s.submitted;
      totals.completed += s.completed;
      totals.superseded += s.superseded;
      totals.failed += s.failed;
      totals.cancelled += s.cancelled;
      totals.meanWaitMs += s.meanWaitMs * s.started;
      totals.meanRunMs += s.meanRunMs * s.started;
      started += s.started;
    }
    if (started > 0) {
      totals.meanWaitMs /= started;
      totals.meanRunMs /= started;
    }
    return { sources, totals };
  }

  /**
   * Rejects every waiting job with `SchedulerClosedError`, and every later submit. A batch already
   * running finishes and delivers its results; the returned promise settles when it has (so the
   * caller can then dispose of the model).
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      let source = this.head;
      while (source) {
        const job = source.waiting;
        source.waiting = undefined;
        source.queued = false;
        const next = source.next;
        source.next = undefined;
        if (job) {
          source.cancelled += 1;
          job.reject(new SchedulerClosedError(source.id));
        }
        source = next;
      }
      this.head = undefined;
      this.tail = undefined;
    }
    return this.running ?? Promise.resolve();
  }

  private source(id: string): Source<TInput, TResult> {
    let source = this.sources.get(id);
    if (!source) {
      source = {
        id,
        waiting: undefined,
        next: undefined,
        queued: false,
        running: false,
        submitted: 0,
        completed: 0,
        superseded: 0,
        failed: 0,
        cancelled: 0,
        started: 0,
        lastWaitMs: 0,
        meanWaitMs: 0,
        lastRunMs: 0,
        meanRunMs: 0,
      };
      this.sources.set(id, source);
    }
    return source;
  }

  private enqueue(source: Source<TInput, TResult>): void {
    if (source.queued) return;
    source.queued = true;
    source.next = undefined;
    if (this.tail) this.tail.next = source;
    else this.head = source;
    this.tail = source;
  }

  private dequeue(): Source<TInput, TResult> | undefined {
    const source = this.head;
    if (!source) return undefined;
    this.head = source.next;
    if (!this.head) this.tail = undefined;
    source.next = undefined;
    source.queued = false;
    return source;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.running) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Starts the next batch when none is running: one waiting job from each source in turn. */
  private drain(): void {
    if (this.running || this.closed || !this.head) return;
    const startedAt = this.now();
    const jobs = this.runningJobs;
    const sources = this.runningSources;
    const inputs: TInput[] = [];
    while (inputs.length < this.maxBatch) {
      const source = this.dequeue();
      if (!source) break;
      const job = source.waiting;
      if (!job) continue;
      source.waiting = undefined;
      source.running = true;
      const waitMs = startedAt - job.submittedAt;
      source.started += 1;
      source.lastWaitMs = waitMs;
      source.meanWaitMs += (waitMs - source.meanWaitMs) / source.started;
      jobs.push(job);
      sources.push(source);
      inputs.push(job.input);
    }
    if (inputs.length === 0) return;
    this.batches += 1;
    this.batchedJobs += inputs.length;
    this.running = this.runBatch(inputs, startedAt);
  }

  /** `run`, with a synchronous throw turned into a rejection so the batch settles after `drain`. */
  private invoke(inputs: TInput[]): Promise<TResult[]> {
    try {
      return this.run(inputs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async runBatch(inputs: TInput[], startedAt: number): Promise<void> {
    const jobs = this.runningJobs;
    const sources = this.runningSources;
    let results: TResult[] | undefined;
    let failure: unknown;
    try {
      results = await this.invoke(inputs);
      if (!Array.isArray(results) || results.length !== inputs.length) {
        throw new Error(
          `inference run returned ${Array.isArray(results) ? results.length : typeof results} results for a batch of ${inputs.length}`,
        );
      }
    } catch (error) {
      results = undefined;
      failure = error;
    }
    const runMs = this.now() - startedAt;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as Job<TInput, TResult>;
      const source = sources[i] as Source<TInput, TResult>;
      source.running = false;
      source.lastRunMs = runMs;
      source.meanRunMs += (runMs - source.meanRunMs) / source.started;
      if (results) {
        source.completed += 1;
        job.resolve(results[i] as TResult);
      } else {
        source.failed += 1;
        job.reject(failure);
      }
    }
    jobs.length = 0;
    sources.length = 0;
    this.running = undefined;
    this.drain();
  }
}
