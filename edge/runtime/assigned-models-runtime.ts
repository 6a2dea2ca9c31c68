import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import type { ShadowVerdict } from '../events/event-builder.ts';
import { type RunnableAssignment, withActiveAssignments } from '../models-sync/assigned-models.ts';
import { type ModelProblem, ModelSync } from '../models-sync/model-sync.ts';
import type { EdgeNode } from './edge-node.ts';
import type { LoadedModel } from './model-registry.ts';
import { ShadowModels } from './shadow-models.ts';

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * The model versions the cloud assigned to a managed box's cameras, on top of the configuration
 * it runs (its file's, or the cloud's desired one): active ones in the cameras' config
 * (withActiveAssignments), shadow ones beside (ShadowModels). A new configuration and new
 * assignments are applied one at a time, through the node's `apply`, without a restart.
 */
export class AssignedModelsRuntime {
  private node: EdgeNode | undefined;
  private shadow = ShadowModels.empty();
  private readonly applying = new SerialQueue();
  private sync: ModelSync | undefined;

  private constructor(
    private base: Readonly<EdgeConfig>,
    private assignments: readonly RunnableAssignment[],
  ) {}

  /**
   * Before the node starts: a managed box asks for its assignments (or takes those its last run
   * kept) and loads its shadow models; a box its file runs alone has none.
   */
  static async prepare(
    file: Readonly<EdgeConfig>,
    starting: Readonly<EdgeConfig>,
    options: { log: Log; onChange: () => void },
  ): Promise<AssignedModelsRuntime> {
    const upload = file.evidence.upload;
    if (!file.fleet.managed || !upload?.token) return new AssignedModelsRuntime(starting, []);
    let runtime: AssignedModelsRuntime | undefined;
    const sync = new ModelSync({
      link: { edgeId: file.edgeId, uploadUrl: upload.url, token: upload.token },
      dataDir: file.dataDir,
      intervalMs: file.fleet.modelsPollSeconds * 1000,
      apply: (next) => (runtime as AssignedModelsRuntime).applyAssignments(next),
      onChange: options.onChange,
      log: options.log,
    });
    runtime = new AssignedModelsRuntime(starting, await sync.prepare());
    runtime.sync = sync;
    try {
      runtime.shadow = await ShadowModels.load(runtime.assignments);
    } catch (error) {
      options.log.warn({ reason: String(error) }, 'shadow models not loaded: none run');
    }
    return runtime;
  }

  /** The configuration to start the node with. */
  startConfig(): Readonly<EdgeConfig> {
    return withActiveAssignments(this.base, this.assignments);
  }

  /** The node started with `startConfig`: from now on assignments are asked for and applied to it. */
  attach(node: EdgeNode): void {
    this.node = node;
    this.sync?.start();
  }

  /** A configuration notice came: the assignments may have changed with it. */
  refresh(): Promise<void> {
    return this.sync?.refresh() ?? Promise.resolve();
  }

  /** Runs a new configuration (the fleet's) with the assignments running. */
  applyConfig(next: Readonly<EdgeConfig>): Promise<object> {
    return this.applying.run(async () => {
      const change = await this.attached().apply(withActiveAssignments(next, this.assignments));
      this.base = next;
      return change;
    });
  }

  /** What the shadow models of the event's camera say of its frame (the snapshot's). */
  verdicts(event: EdgeEvent, frame: RawImage): Promise<ShadowVerdict[]> {
    const node = this.node;
    // The cameras' own models have frames waiting: the shadow models give way.
    const busy = node
      ? Object.values(node.modelStats()).some((stats) => stats.sources.some((s) => s.waiting))
      : false;
    return this.shadow.verdicts(event, frame, busy);
  }

  /** What runs, for the status: the node's models (active) and the shadow ones. */
  status(): LoadedModel[] {
    return [...(this.node?.loadedModels() ?? []), ...this.shadow.status()];
  }

  problems(): readonly ModelProblem[] {
    return this.sync?.problems() ?? [];
  }

  /** No more assignments asked for or applied (before the node stops). */
  async stop(): Promise<void> {
    await this.sync?.stop();
    await this.applying.idle();
  }

  /** Frees the shadow models (once the node stopped: its last events no longer ask them). */
  async dispose(): Promise<void> {
    await this.shadow.dispose();
  }

  private applyAssignments(next: readonly RunnableAssignment[]): Promise<void> {
    return this.applying.run(async () => {
      await this.attached().apply(withActiveAssignments(this.base, next));
      const shadow = await ShadowModels.load(next, this.shadow);
      const previous = this.shadow;
      this.shadow = shadow;
      this.assignments = next;
      await previous.disposeReplaced(shadow);
    });
  }

  private attached(): EdgeNode {
    if (!this.node) throw new Error('the node has not started');
    return this.node;
  }
}
