import { type DeviceEvent, type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import { type LonLat, meanPoint } from '../../foundation/geometry/lon-lat.ts';
import { chooseIncident } from '../incidents/choose-incident.ts';
import { foldIncidents, foldSource, type IncidentGroup, type SourceFold } from '../ingest/plan-batch.ts';
import type { Placement, PlaceRegistry } from '../places/place-registry.ts';
import type { Repositories } from '../repositories/cloud-store.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import type { TicketService } from './ticket-service.ts';

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
   * folded into it in two statements for all of them; then each new one, in order, opens its
   * incident or joins another camera's (seeing those opened before it in the batch), and the rest
   * of its events are folded in.
   */
  async applyBatch(repos: Repositories, groups: readonly IncidentGroup[], at: Date): Promise<AppliedEvent[]> {
    const known = await repos.incidents.incidentsOfSources(groups.map((g) => g.edgeIncidentId));
    const applied = new Map<string, AppliedEvent>();
    const folds = groups.flatMap((g) => {
      const incidentId = known.get(g.edgeIncidentId);
      if (incidentId === undefined) return [];
      applied.set(g.edgeIncidentId, { incidentId, opened: false, ticket: undefined });
      return [{ incidentId, fold: foldSource(g.edgeIncidentId, g.events) }];
    });
    await this.fold(repos, folds);
    for (const group of groups) {
      if (known.has(group.edgeIncidentId)) continue;
      const [first, ...rest] = group.events as [IncidentMessage, ...IncidentMessage[]];
      const opened = await this.open(repos, first, at);
      if (rest.length > 0)
        await this.fold(repos, [
          { incidentId: opened.incidentId, fold: foldSource(group.edgeIncidentId, rest) },
        ]);
      applied.set(group.edgeIncidentId, opened);
    }
    return groups.map((g) => applied.get(g.edgeIncidentId) as AppliedEvent);
  }

  private async fold(repos: Repositories, folds: readonly { incidentId: number; fold: SourceFold }[]) {
    if (folds.length === 0) return;
    await repos.incidents.foldSources(folds.map((f) => f.fold));
    await repos.incidents.refreshAll(foldIncidents(folds));
  }

  /** The first event of an edge incident the cloud has no source for: opens or joins an incident. */
  private async open(repos: Repositories, event: IncidentMessage, at: Date): Promise<AppliedEvent> {
    const observedAt = new Date(event.observedAt);
    const endedAt = event.phase === 'end' ? new Date(event.endedAt ?? event.observedAt) : undefined;
    if (isDeviceEvent(event)) return this.openDeviceIncident(repos, event, observedAt, endedAt, at);

    // One new edge incident of a type at a time decides merge-or-open, across cloud instances.
    await repos.incidents.lockNewIncidents(event.type);
    const startedAt = new Date(event.startedAt);
    const camera = this.places.camera(event.edgeId, event.cameraId);
    const viewPoint = camera ? this.places.viewPoint(camera) : undefined;
    const candidates = await repos.incidents.overlapping(
      event.type,
      startedAt,
      endedAt ?? observedAt,
      this.options.mergeGapSeconds * 1000,
    );
    const joined = chooseIncident(
      candidates,
      { edgeId: event.edgeId, cameraId: event.cameraId, viewPoint },
      (edgeId, cameraId) => {
        const c = this.places.camera(edgeId, cameraId);
        return c ? this.places.viewPoint(c) : undefined;
      },
      this.options.mergeDistanceMeters,
    );
    const source = {
      edgeIncidentId: event.incidentId,
      edgeId: event.edgeId,
      cameraId: event.cameraId,
      model: { name: event.model.name, version: event.model.version },
      deviceId: undefined,
      startedAt,
      lastSeenAt: observedAt,
      endedAt,
    };

    if (joined) {
      await repos.incidents.addSource(joined.id, source);
      await repos.incidents.refresh(joined.id, event.confidence);
      const points = [
        ...joined.sources.map((s) =>
          s.cameraId === null ? undefined : this.viewPointOf(s.edgeId, s.cameraId),
        ),
        viewPoint,
      ].filter((p): p is LonLat => p !== undefined);
      const { location, placement } = this.placeAt(meanPoint(points));
      await repos.incidents.place(joined.id, location, placement);
      const ticket = await this.tickets.relocateForIncident(repos, joined.id, location, placement, at);
      return { incidentId: joined.id, opened: false, ticket };
    }

    const incidentId = await repos.incidents.create({
      type: event.type,
      startedAt,
      lastSeenAt: observedAt,
      confidence: event.confidence,
    });
    await repos.incidents.addSource(incidentId, source);
    await repos.incidents.refresh(incidentId, event.confidence);
    const { location, placement } = viewPoint
      ? this.placeAt(viewPoint)
      : { location: undefined, placement: this.places.locate([Number.NaN, Number.NaN]) };
    await repos.incidents.place(incidentId, location, placement);
    const ticket = await this.tickets.createForIncident(
      repos,
      {
        incidentId,
        category: event.type,
        cameraId: event.cameraId,
        deviceId: undefined,
        model: source.model,
        location,
        placement,
        description: `${event.type} on ${camera?.name ?? `camera ${event.cameraId} of ${event.edgeId}`} (${event.scenario}${event.zone ? `, ${event.zone}` : ''}), ${event.objectCount} object(s), confidence ${event.confidence.toFixed(2)}`,
      },
      at,
    );
    return { incidentId, opened: true, ticket };
  }

  private async openDeviceIncident(
    repos: Repositories,
    event: DeviceEvent,
    observedAt: Date,
    endedAt: Date | undefined,
    at: Date,
  ): Promise<AppliedEvent> {
    const incidentId = await repos.incidents.create({
      type: event.type,
      startedAt: new Date(event.startedAt),
      lastSeenAt: observedAt,
      confidence: event.confidence,
    });
    await repos.incidents.addSource(incidentId, {
      edgeIncidentId: event.incidentId,
      edgeId: event.nodeId,
      cameraId: undefined,
      model: undefined,
      deviceId: event.deviceId,
      startedAt: new Date(event.startedAt),
      lastSeenAt: observedAt,
      endedAt,
    });
    await repos.incidents.refresh(incidentId, event.confidence);
    const { location, placement } = event.location
      ? this.placeAt([event.location.lon, event.location.lat])
      : { location: undefined, placement: this.places.locate([Number.NaN, Number.NaN]) };
    await repos.incidents.place(incidentId, location, placement);
    const readings = event.readings
      ? `, ${event.readings.metric} up to ${event.readings.max} ${event.readings.unit}${event.readings.limit === undefined ? '' : ` (limit ${event.readings.limit})`}`
      : '';
    const ticket = await this.tickets.createForIncident(
      repos,
      {
        incidentId,
        category: event.type,
        cameraId: undefined,
        deviceId: event.deviceId,
        model: undefined,
        location,
        placement,
        description: `${event.type} by device ${event.deviceId}${event.plate ? ` (${event.plate})` : ''}, rule ${event.rule}${event.zone ? ` in ${event.zone}` : ''}${readings}`,
      },
      at,
    );
    return { incidentId, opened: true, ticket };
  }

  private viewPointOf(edgeId: string, cameraId: string): LonLat | undefined {
    const camera = this.places.camera(edgeId, cameraId);
    return camera ? this.places.viewPoint(camera) : undefined;
  }

  private placeAt(point: LonLat): { location: { lat: number; lon: number }; placement: Placement } {
    return { location: { lat: point[1], lon: point[0] }, placement: this.places.locate(point) };
  }
}
