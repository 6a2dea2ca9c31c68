import { meanPoint } from '../../foundation/geometry/lon-lat.ts';
import { type CameraHealthRow, listCameraHealth } from '../health/camera-health-list.ts';
import { planOutages } from '../health/plan-outages.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import { EDGE_OUTAGE_PREFIX } from '../repositories/maintenance-repository.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import { FINAL_STATES, type TicketState } from '../tickets/ticket-state-machine.ts';
import type { TicketService } from './ticket-service.ts';

export interface MaintenanceOptions {
  /** An edge offline this long gets a maintenance ticket. */
  edgeOfflineMinutes: number;
}

/** Who the audit rows of what the sweep does name. */
const SWEEP_ACTOR = 'system:camera-health';

/**
 * Camera and edge maintenance: the cameras listed by health, and the sweep that opens a ticket
 * for an edge offline too long (as a `camera_fault` incident of the cloud's own, since no edge
 * reports its own absence), ends that incident when the edge is back, and closes every
 * maintenance ticket whose fault is over (the edge ended it: the camera recovered), with an
 * audit row saying so.
 */
export class MaintenanceService {
  constructor(
    private readonly store: CloudStore,
    private readonly tickets: TicketService,
    private readonly places: PlaceRegistry,
    private readonly options: MaintenanceOptions,
  ) {}

  /** One sweep at `now`, in one transaction; the tickets it created or closed. */
  async sweep(now: Date): Promise<{ created: Ticket[]; closed: Ticket[] }> {
    return this.store.transaction(async (repos) => {
      const outages = await repos.maintenance.openOutages();
      const plan = planOutages(
        await repos.ingest.edges(),
        new Set(outages.map((o) => o.edgeId)),
        now,
        this.options.edgeOfflineMinutes,
      );
      const created: Ticket[] = [];
      for (const { edgeId, since } of plan.open)
        created.push(await this.openOutage(repos, edgeId, new Date(since), now));
      for (const { edgeId, at } of plan.close) {
        const outage = outages.find((o) => o.edgeId === edgeId);
        if (!outage) continue;
        const back = new Date(at);
        await repos.incidents.foldSources([
          {
            edgeIncidentId: outage.edgeIncidentId,
            lastSeenAt: back,
            endedAt: back,
            confidence: 1,
            events: 1,
          },
        ]);
        await repos.incidents.refreshAll([{ incidentId: outage.incidentId, confidence: 1, events: 1 }]);
      }
      const closed: Ticket[] = [];
      for (const recovered of await repos.maintenance.recoveredTickets(FINAL_STATES)) {
        const ticket = await repos.tickets.update(
          recovered.ticketId,
          { state: 'closed', closedAt: now, step: null, stepDueAt: null, overdue: false },
          now,
        );
        await repos.tickets.appendTransition({
          ticketId: recovered.ticketId,
          action: 'close',
          from: recovered.state as TicketState,
          to: 'closed',
          actor: SWEEP_ACTOR,
          role: 'system',
          note: `recovered at ${recovered.endedAt}: the fault is over`,
          at: now,
        });
        closed.push(ticket);
      }
      return { created, closed };
    });
  }

  /** Every known camera by health, worst first (cloud/health/camera-health-list.ts). */
  async cameraHealth(): Promise<CameraHealthRow[]> {
    const [edges, faults] = await Promise.all([
      this.store.ingest.edges(),
      this.store.maintenance.openCameraFaults(),
    ]);
    return listCameraHealth(this.places.listCameras(), edges, faults);
  }

  private async openOutage(repos: Repositories, edgeId: string, since: Date, now: Date): Promise<Ticket> {
    const incidentId = await repos.incidents.create({
      type: 'camera_fault',
      startedAt: since,
      lastSeenAt: now,
      confidence: 1,
    });
    await repos.incidents.addSource(incidentId, {
      edgeIncidentId: `${EDGE_OUTAGE_PREFIX}${edgeId}:${since.getTime()}`,
      edgeId,
      cameraId: undefined,
      model: undefined,
      deviceId: undefined,
      startedAt: since,
      lastSeenAt: now,
      endedAt: undefined,
    });
    await repos.incidents.refresh(incidentId, 1);
    const cameras = this.places.listCameras().filter((c) => c.edgeId === edgeId);
    const point = cameras.length > 0 ? meanPoint(cameras.map((c) => this.places.viewPoint(c))) : undefined;
    const location = point ? { lat: point[1], lon: point[0] } : undefined;
    const placement = this.places.locate(point ?? [Number.NaN, Number.NaN]);
    await repos.incidents.place(incidentId, location, placement);
    const minutes = Math.round((now.getTime() - since.getTime()) / 60_000);
    return this.tickets.createForIncident(
      repos,
      {
        incidentId,
        category: 'camera_fault',
        cameraId: undefined,
        deviceId: undefined,
        model: undefined,
        location,
        placement,
        description: `edge ${edgeId} offline since ${since.toISOString()} (${minutes} min): its ${cameras.length} camera(s) send nothing`,
        actor: SWEEP_ACTOR,
      },
      now,
    );
  }
}
