import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { CloudError } from '../errors.ts';
import { checkObjectLabels, sameLabels } from '../labels/label-rules.ts';
import type { DrawnBox, LabelInput, ObjectLabel, Review, SnapshotLabels } from '../labels/label-schema.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import type { LabelledFilter, LabelledSnapshot, SnapshotEvent } from '../repositories/label-repository.ts';
import type { Actor, TicketService } from './ticket-service.ts';

/** Recent detections of a camera whose labels are offered to a reviewer. */
const RECENT_EVENTS_FOR_CHOICES = 2000;

/** What an import did with one snapshot's labels. */
export type ImportOutcome = 'created' | 'unchanged' | 'conflict' | 'overwritten';

export interface ImportedLabels {
  objects: readonly ObjectLabel[];
  drawn: readonly DrawnBox[];
}

/**
 * Training labels on the snapshots of AI tickets: read and saved by reviewers through the API,
 * written by dataset imports, read by dataset exports. Each save is a new revision: nothing is
 * overwritten, and the revisions say who labelled what and when.
 */
export class LabelService {
  constructor(
    private readonly store: CloudStore,
    private readonly tickets: TicketService,
  ) {}

  /** The snapshot `sha256` of ticket `ticketId` as `viewer` may see it, with its labels. */
  async forTicket(viewer: Actor, ticketId: number, sha256: string): Promise<SnapshotLabels> {
    const found = await this.snapshotOfTicket(viewer, ticketId, sha256);
    return this.describe(this.store, ticketId, sha256, found);
  }

  /** Saves a reviewer's labels as the next revision; LABELS_CHANGED when another save came first. */
  async save(
    actor: Actor,
    ticketId: number,
    sha256: string,
    input: LabelInput,
    at: Date,
  ): Promise<SnapshotLabels> {
    const found = await this.snapshotOfTicket(actor, ticketId, sha256);
    const objects = found.event.objects;
    checkObjectLabels(
      input.objects,
      objects.map((o) => o.label),
      'labels',
    );
    return this.store.transaction(async (repos) => {
      await repos.labels.lock(sha256);
      const current = await repos.labels.current(sha256);
      const revision = current?.revision ?? 0;
      if (revision !== input.baseRevision) {
        throw new CloudError(
          'LABELS_CHANGED',
          `${current?.labelledBy ?? 'someone'} saved revision ${revision} of these labels at ${current?.labelledAt}; you started from ${input.baseRevision}: reload them`,
          { revision, baseRevision: input.baseRevision },
        );
      }
      await repos.labels.append({
        snapshotSha256: sha256,
        eventId: found.event.eventId,
        revision: revision + 1,
        labelledBy: actor.name,
        role: actor.role,
        source: 'operator',
        note: null,
        at,
        objects: input.objects,
        drawn: input.drawn,
        aiObjects: objects,
      });
      return this.describe(repos, ticketId, sha256, found);
    });
  }

  /** The event a snapshot was taken on, wherever it is (dataset imports match files by sha256). */
  snapshotEvent(sha256: string): Promise<SnapshotEvent | undefined> {
    return this.store.labels.snapshotEvent(sha256);
  }

  /**
   * Stores imported labels as the next revision, by `by` (source "import"): unless the snapshot
   * already has other labels, which stay (a conflict) unless `overwrite`.
   */
  async saveImported(
    found: SnapshotEvent & { sha256: string },
    labels: ImportedLabels,
    options: { by: string; note: string; overwrite: boolean },
    at: Date,
  ): Promise<ImportOutcome> {
    checkObjectLabels(
      labels.objects,
      found.event.objects.map((o) => o.label),
      `import of ${found.sha256}`,
    );
    return this.store.transaction(async (repos) => {
      await repos.labels.lock(found.sha256);
      const current = await repos.labels.current(found.sha256);
      if (current && sameLabels(current, labels)) return 'unchanged';
      if (current && !options.overwrite) return 'conflict';
      await repos.labels.append({
        snapshotSha256: found.sha256,
        eventId: found.event.eventId,
        revision: (current?.revision ?? 0) + 1,
        labelledBy: options.by,
        role: 'import',
        source: 'import',
        note: options.note,
        at,
        objects: labels.objects,
        drawn: labels.drawn,
        aiObjects: found.event.objects,
      });
      return current ? 'overwritten' : 'created';
    });
  }

  /** Every labelled snapshot passing `filter`, with its ticket's review decision. */
  async labelled(filter: LabelledFilter): Promise<(LabelledSnapshot & { review: Review | null })[]> {
    const snapshots = await this.store.labels.labelled(filter);
    const ids = [...new Set(snapshots.flatMap((s) => (s.ticketId === null ? [] : [s.ticketId])))];
    const reviews = await this.store.labels.reviews(ids);
    return snapshots.map((s) => ({ ...s, review: (s.ticketId !== null && reviews.get(s.ticketId)) || null }));
  }

  /** Labels the centre has used: the AI's (of recent events) and the reviewers'. */
  knownLabels(): Promise<string[]> {
    return this.store.labels.knownLabels(undefined, 100_000);
  }

  private async snapshotOfTicket(viewer: Actor, ticketId: number, sha256: string): Promise<SnapshotEvent> {
    const ticket = await this.tickets.getFor(viewer, ticketId);
    if (!ticket) throw new CloudError('TICKET_NOT_FOUND', `no ticket ${ticketId}`, { ticketId });
    const found = await this.store.labels.snapshotEvent(sha256);
    if (!found || ticket.incidentId === null || found.incidentId !== ticket.incidentId) {
      throw new CloudError(
        'SNAPSHOT_NOT_FOUND',
        `ticket ${ticketId} has no snapshot ${sha256}; its snapshots are listed in GET /api/v1/tickets/${ticketId}`,
        { ticketId, sha256 },
      );
    }
    return found;
  }

  private async describe(
    repos: Repositories,
    ticketId: number,
    sha256: string,
    { event }: SnapshotEvent,
  ): Promise<SnapshotLabels> {
    // One after another: inside a transaction they share one connection.
    const labels = await repos.labels.current(sha256);
    const history = await repos.labels.revisions(sha256);
    const reviews = await repos.labels.reviews([ticketId]);
    const known = await repos.labels.knownLabels(event.cameraId, RECENT_EVENTS_FOR_CHOICES);
    const aiObjects = event.objects.map((o, index) => ({
      index,
      trackId: o.trackId,
      label: o.label,
      score: o.score,
      box: o.box,
    }));
    return {
      ticketId,
      snapshot: {
        sha256,
        eventId: event.eventId,
        cameraId: event.cameraId,
        scenario: event.scenario,
        observedAt: event.observedAt,
        url: evidencePath(sha256),
      },
      review: reviews.get(ticketId) ?? null,
      aiObjects,
      labels: labels ?? null,
      history,
      labelChoices: [...new Set([...known, ...aiObjects.map((o) => o.label)])].sort(),
    };
  }
}
