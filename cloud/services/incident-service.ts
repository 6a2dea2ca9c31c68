import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import { type LonLat, meanPoint } from '../../foundation/geometry/lon-lat.ts';
import { mergeLockKeys } from '../ingest/merge-cells.ts';
import { foldIncidents, foldSource, type IncidentGroup } from '../ingest/plan-batch.ts';
import { planOpenings, searchSpan, type TouchedIncident } from '../ingest/plan-openings.ts';
import { WrittenMeanwhile } from '../ingest/written-meanwhile.ts';
import type { Placement, PlaceRegistry } from '../places/place-registry.ts';
import type { Repositories } from '../repositories/cloud-store.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import type { IncidentInput, TicketService } from './ticket-service.ts';

export interface IncidentOptions {
  mergeDistanceMeters: number;
  mergeGapSeconds: number;
}

export interface AppliedEvent {
  incidentId: number;
  /** A new incident (and so a new ticket) was opened. */
  opened: boolean;
  /** The ticket created, or moved because another camera joined the incident. */
  ticket: Ticket | undefined;
}

/**
 * Turns stored events into incidents: the messages of one edge incident update one incident;
 * another camera's edge incident of the same type, near enough and overlapping in time, joins
 * it (boundary cameras of two streets seeing one stall). A device event's incident is its own,
 * placed where the device was. A new incident opens its ticket.
 */
export class IncidentService {
  constructor(
    private readonly places: PlaceRegistry,
    private readonly tickets: TicketService,
    private readonly options: IncidentOptions,
  ) {}

  /**
   * In the caller's transaction, for the events of a batch that were stored (each once), grouped
   * by edge incident in arrival order: what became of each group. Groups whose source is known are
   * folded into it in two statements for all of them; then the new ones open their incidents or
   * join another camera's, decided in arrival order (seeing those opened before them in the batch),
   * and written in a few multi-row statements, whatever their number.
   */
  async applyBatch(repos: Repositories, groups: readonly IncidentGroup[], at: Date): Promise<AppliedEvent[]> {
    // Locks in one order in every transaction: merge keys, then sources, then incidents. A group
    // with a start is most likely new: its keys are taken first; a new one without (its start
    // was lost) takes its keys late, which may deadlock, rarely, and is then retried.
    const early = this.mergeKeys(groups.filter((g) => g.events.some((e) => e.phase === 'start')));
    await repos.incidents.lockMergeKeys(early);
    const known = await repos.incidents.incidentsOfSources(groups.map((g) => g.edgeIncidentId));
    const applied = new Map<string, AppliedEvent>();
    const folds = groups.flatMap((g) => {
      const incidentId = known.get(g.edgeIncidentId);
      if (incidentId === undefined) return [];
      applied.set(g.edgeIncidentId, { incidentId, opened: false, ticket: undefined });
      return [{ incidentId, fold: foldSource(g.edgeIncidentId, g.events) }];
    });
    if (folds.length > 0) {
      await repos.incidents.foldSources(folds.map((f) => f.fold));
      await repos.incidents.refreshAll(foldIncidents(folds));
    }
    const fresh = groups.filter((g) => !known.has(g.edgeIncidentId));
    if (fresh.length > 0) await this.openAll(repos, fresh, at, applied, new Set(early));
    return groups.map((g) => applied.get(g.edgeIncidentId) as AppliedEvent);
  }

  /** The edge incidents the cloud has no source for: each opens an incident or joins another camera's. */
  private async openAll(
    repos: Repositories,
    groups: readonly IncidentGroup[],
    at: Date,
    applied: Map<string, AppliedEvent>,
    locked: ReadonlySet<string>,
  ): Promise<void> {
    const gapMs = this.options.mergeGapSeconds * 1000;
    await repos.incidents.lockMergeKeys(this.mergeKeys(groups).filter((k) => !locked.has(k)));
    const candidates = await repos.incidents.overlappingAny(
      this.seekers(groups).map(({ first }) => ({ type: first.type, ...searchSpan(first, gapMs) })),
    );
    const ids = await repos.incidents.allocateIds(groups.length);
    const plan = planOpenings(groups, candidates, ids, (e, c) => this.viewPointOf(e, c), this.options);

    const opened: TouchedIncident[] = [];
    const joined: TouchedIncident[] = [];
    const placed = new Map<number, ReturnType<IncidentService['placementOf']>>();
    for (const touched of plan.touched.values()) {
      const where = this.placementOf(touched);
      placed.set(touched.incident.id, where);
      Object.assign(touched.incident, { location: where.location ?? null, ...nullable(where.placement) });
      (touched.openedBy ? opened : joined).push(touched);
    }
    await repos.incidents.insertIncidents(opened.map((t) => t.incident));
    const added = await repos.incidents.addSources(
      plan.sources.map((s) => ({ ...s.source, incidentId: s.incidentId })),
    );
    if (added < plan.sources.length) throw new WrittenMeanwhile(plan.sources.length - added, 'edge incident');
    const tickets = new Map<number, Ticket | undefined>();
    if (joined.length > 0) {
      await repos.incidents.refreshAll(
        foldIncidents(
          joined.flatMap((t) => t.added.map((a) => ({ incidentId: a.incidentId, fold: a.fold }))),
        ),
      );
      for (const { incident } of joined) {
        const { location, placement } = placed.get(incident.id) as ReturnType<IncidentService['placementOf']>;
        await repos.incidents.place(incident.id, location, placement);
        if (location)
          tickets.set(
            incident.id,
            await this.tickets.relocateForIncident(repos, incident.id, location, placement, at),
          );
      }
    }
    const created = await this.tickets.createForIncidents(
      repos,
      opened.map((t) => this.ticketInput(t, t.openedBy as IncidentMessage)),
      at,
    );
    for (const [n, t] of opened.entries()) tickets.set(t.incident.id, created[n]);
    for (const { group, incidentId } of plan.sources) {
      const isOpener = plan.touched.get(incidentId)?.openedBy === group.events[0];
      applied.set(group.edgeIncidentId, { incidentId, opened: isOpener, ticket: tickets.get(incidentId) });
    }
  }

  /** The first events of the groups that may join another camera's incident: a camera's with a view point. */
  private seekers(groups: readonly IncidentGroup[]) {
    return groups.flatMap(({ events: [first] }) => {
      if (!first || isDeviceEvent(first)) return [];
      const viewPoint = this.viewPointOf(first.edgeId, first.cameraId);
      return viewPoint ? [{ first, viewPoint }] : [];
    });
  }

  /** What the groups lock to decide, one new edge incident at a time near one place, whether to merge. */
  private mergeKeys(groups: readonly IncidentGroup[]): string[] {
    const keys = this.seekers(groups).flatMap(({ first, viewPoint }) =>
      mergeLockKeys(first.type, viewPoint, this.options.mergeDistanceMeters),
    );
    return [...new Set(keys)];
  }

  /**
   * Where an incident is: a device's where the device was; a camera incident's at the mean of its
   * cameras' view points (one camera: its view point); nowhere when none is known.
   */
  private placementOf({ incident, openedBy }: TouchedIncident): {
    location: { lat: number; lon: number } | undefined;
    placement: Placement;
  } {
    const nowhere = { location: undefined, placement: this.places.locate([Number.NaN, Number.NaN]) };
    if (openedBy && isDeviceEvent(openedBy))
      return openedBy.location ? this.placeAt([openedBy.location.lon, openedBy.location.lat]) : nowhere;
    const points = incident.sources
      .map((s) => (s.cameraId === null ? undefined : this.viewPointOf(s.edgeId, s.cameraId)))
      .filter((p): p is LonLat => p !== undefined);
    return points.length === 0 ? nowhere : this.placeAt(meanPoint(points));
  }

  /** What the ticket of an incident opened by `event` says. */
  private ticketInput({ incident }: TouchedIncident, event: IncidentMessage): IncidentInput {
    const placed = {
      incidentId: incident.id,
      category: event.type,
      location: incident.location ?? undefined,
      placement: {
        gridId: incident.gridId ?? undefined,
        communityId: incident.communityId ?? undefined,
        streetId: incident.streetId ?? undefined,
        districtId: incident.districtId ?? undefined,
      },
    };
    if (isDeviceEvent(event)) {
      const r = event.readings;
      const readings = r
        ? `, ${r.metric} up to ${r.max} ${r.unit}${r.limit === undefined ? '' : ` (limit ${r.limit})`}`
        : '';
      return {
        ...placed,
        cameraId: undefined,
        deviceId: event.deviceId,
        model: undefined,
        description: `${event.type} by device ${event.deviceId}${event.plate ? ` (${event.plate})` : ''}, rule ${event.rule}${event.zone ? ` in ${event.zone}` : ''}${readings}`,
      };
    }
    const camera = this.places.camera(event.edgeId, event.cameraId);
    return {
      ...placed,
      cameraId: event.cameraId,
      deviceId: undefined,
      model: { name: event.model.name, version: event.model.version },
      description: `${event.type} on ${camera?.name ?? `camera ${event.cameraId} of ${event.edgeId}`} (${event.scenario}${event.zone ? `, ${event.zone}` : ''}), ${event.objectCount} object(s), confidence ${event.confidence.toFixed(2)}`,
    };
  }

  private viewPointOf(edgeId: string, cameraId: string): LonLat | undefined {
    const camera = this.places.camera(edgeId, cameraId);
    return camera ? this.places.viewPoint(camera) : undefined;
  }

  private placeAt(point: LonLat): { location: { lat: number; lon: number }; placement: Placement } {
    return { location: { lat: point[1], lon: point[0] }, placement: this.places.locate(point) };
  }
}

/** A placement's absent levels as the stored incident has them (null). */
function nullable(placement: Placement) {
  return {
    gridId: placement.gridId ?? null,
    communityId: placement.communityId ?? null,
    streetId: placement.streetId ?? null,
    districtId: placement.districtId ?? null,
  };
}
