import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { EdgeModels } from '../../foundation/models/model-distribution.ts';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import { describeError } from '../errors.ts';
import { ASSIGNABLE_TASKS, type RunnableAssignment } from './assigned-models.ts';
import { modelCacheDir } from './model-cache.ts';
import { type CloudLink, fetchAssignments, fetchModels } from './model-fetcher.ts';

/** A model the box was assigned and does not run as assigned, and why (for the log and the status). */
export interface ModelProblem {
  model: string;
  cameraId?: string;
  code: string;
  message: string;
}

export interface ModelSyncOptions {
  link: CloudLink;
  dataDir: string;
  /** Runs the assignments in place of those running; throws when they cannot run (nothing changed then). */
  apply: (assignments: readonly RunnableAssignment[]) => Promise<void>;
  /** What the status reports changed. */
  onChange: () => void;
  log: { info(object: object, message: string): void; warn(object: object, message: string): void };
  /** How often the assignments are asked for besides each fleet notice. */
  intervalMs: number;
}

const RunnableSchema = z.array(
  z.object({
    cameraId: z.string(),
    name: z.string(),
    version: z.string(),
    mode: z.enum(['shadow', 'active']),
    task: z.string(),
    sha256: z.string(),
    manifestPath: z.string(),
  }),
);

const key = (a: { cameraId: string; name: string; mode: string }) =>
  `${a.cameraId}\u0000${a.name}\u0000${a.mode}`;

/**
 * Keeps a managed box on the model versions the cloud assigned to its cameras: asks for the
 * assignments (GET /api/v1/edges/{edgeId}/models), downloads and verifies the versions it lacks
 * (fetchModels), and runs what changed through `apply`, without a restart. A version that fails
 * to download or verify is not run: the version of that model running on that camera before
 * stays, and the problem is kept for the status. What runs is kept under dataDir, so a start
 * without the cloud runs it again.
 */
export class ModelSync {
  private running: readonly RunnableAssignment[] = [];
  private problemList: ModelProblem[] = [];
  private readonly queue = new SerialQueue();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ModelSyncOptions) {}

  /** The assignments running now. */
  get assignments(): readonly RunnableAssignment[] {
    return this.running;
  }

  /** Assigned models not running as assigned, and why. */
  problems(): readonly ModelProblem[] {
    return this.problemList;
  }

  /**
   * Before the node starts: the assignments to start with, from the cloud when it answers, else
   * those kept by the last run (nothing is applied: the caller starts with them).
   */
  async prepare(): Promise<readonly RunnableAssignment[]> {
    const fresh = await this.resolve();
    this.running = fresh ?? (await this.kept());
    return this.running;
  }

  /** Asks again every `intervalMs`. */
  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Asks for the assignments now (after those asked before), and runs what changed. */
  refresh(): Promise<void> {
    return this.queue.run(async () => {
      if (this.stopped) return;
      const next = await this.resolve();
      if (!next || JSON.stringify(next) === JSON.stringify(this.running)) return;
      try {
        await this.options.apply(next);
      } catch (error) {
        const message = describeError(error);
        this.problemList = [
          ...this.problemList,
          { model: 'assignments', code: 'MODEL_APPLY_FAILED', message },
        ];
        this.options.log.warn({ reason: message }, 'assigned models not run: the running ones stay');
        this.options.onChange();
        return;
      }
      this.running = next;
      this.options.log.info(
        { models: next.map((a) => `${a.cameraId}: ${a.name}@${a.version} ${a.mode}`) },
        'assigned models run',
      );
      await this.keep(next).catch((error: unknown) =>
        this.options.log.warn(
          { reason: describeError(error) },
          'assigned models not kept for the next start',
        ),
      );
      this.options.onChange();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.queue.idle();
  }

  /** What should run now; undefined when the cloud did not answer (what runs stays). */
  private async resolve(): Promise<RunnableAssignment[] | undefined> {
    const { link, dataDir, log } = this.options;
    let assigned: EdgeModels;
    try {
      assigned = await fetchAssignments(link);
    } catch (error) {
      log.warn({ reason: describeError(error) }, 'model assignments not fetched: tried again later');
      return undefined;
    }
    const problems: ModelProblem[] = [];
    const refused = new Set<string>();
    for (const outcome of await fetchModels(link, dataDir, assigned.assignments)) {
      if (outcome.ok) continue;
      refused.add(outcome.model.manifestSha256);
      const model = `${outcome.model.name}@${outcome.model.version}`;
      problems.push({ model, code: outcome.code, message: outcome.message });
      log.warn({ model, code: outcome.code, reason: outcome.message }, 'assigned model refused');
    }
    const next: RunnableAssignment[] = [];
    for (const assignment of assigned.assignments) {
      const { cameraId, name, version, mode, manifestSha256 } = assignment;
      if (refused.has(manifestSha256)) {
        // The version running before on this camera, in this mode, keeps running.
        const before = this.running.find((a) => key(a) === key(assignment));
        if (before) next.push(before);
        continue;
      }
      const manifestPath = path.join(modelCacheDir(dataDir), manifestSha256, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { task: string; sha256: string };
      if (!ASSIGNABLE_TASKS.includes(manifest.task)) {
        problems.push({
          model: `${name}@${version}`,
          cameraId,
          code: 'MODEL_TASK_MISMATCH',
          message: `a ${manifest.task} model cannot be assigned to a camera (only ${ASSIGNABLE_TASKS.join(', ')})`,
        });
        continue;
      }
      next.push({
        cameraId,
        name,
        version,
        mode,
        task: manifest.task,
        sha256: manifest.sha256,
        manifestPath,
      });
    }
    this.problemList = problems;
    return next;
  }

  private file(): string {
    return path.join(modelCacheDir(this.options.dataDir), 'assignments.json');
  }

  private async kept(): Promise<RunnableAssignment[]> {
    try {
      return RunnableSchema.parse(JSON.parse(await readFile(this.file(), 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.options.log.warn(
          { reason: describeError(error) },
          'kept model assignments unreadable: none run',
        );
      return [];
    }
  }

  private async keep(assignments: readonly RunnableAssignment[]): Promise<void> {
    await mkdir(modelCacheDir(this.options.dataDir), { recursive: true });
    const temporary = `${this.file()}.tmp`;
    await writeFile(temporary, JSON.stringify(assignments, null, 2));
    await rename(temporary, this.file());
  }
}
