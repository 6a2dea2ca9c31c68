import { CloudError } from '../errors.ts';
import { placeEditIssues } from '../places/check-place-edit.ts';
import type { Place, PlaceEdit } from '../places/place-hierarchy.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import type { Camera, PlaceEditBody } from '../places/places-schema.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import { FINAL_STATES, TICKET_STATES } from '../tickets/ticket-state-machine.ts';

const OPEN_STATES = TICKET_STATES.filter((s) => !FINAL_STATES.includes(s));
/** How many open tickets a refusal lists. */
const LISTED_TICKETS = 20;

/**
 * The camera registry and the grid hierarchy as admins edit them: each edit kept in the database
 * over the files, and in effect at once for this instance's placing (others take them at start
 * or at their next edit).
 */
export class PlaceService {
  constructor(
    private readonly store: CloudStore,
    private readonly places: PlaceRegistry,
  ) {}

  /** At start: the camera and place edits kept in the database, over what the files loaded. */
  async applyStoredEdits(): Promise<void> {
    this.places.applyCameraEdits(await this.store.cameras.list());
    this.places.applyPlaceEdits(await this.store.places.list());
  }

  /** Adds or replaces a camera. */
  async saveCamera(camera: Camera, by: string, at: Date): Promise<void> {
    await this.store.cameras.save({ edgeId: camera.edgeId, cameraId: camera.id, camera }, by, at);
    this.places.setCamera(camera);
  }

  /** Removes a camera; false when there is none. */
  async removeCamera(edgeId: string, cameraId: string, by: string, at: Date): Promise<boolean> {
    if (!this.places.camera(edgeId, cameraId)) return false;
    await this.store.cameras.save({ edgeId, cameraId, camera: null }, by, at);
    this.places.deleteCamera(edgeId, cameraId);
    return true;
  }

  /**
   * Creates or replaces a place: checked against the hierarchy, kept in the database, in effect at
   * once for this instance's placing. Throws VALIDATION_FAILED naming the fields.
   */
  async putPlace(
    id: string,
    body: PlaceEditBody,
    by: string,
    at: Date,
  ): Promise<{ place: Place; created: boolean }> {
    const { places } = this;
    const place = {
      type: 'Feature' as const,
      properties: {
        id,
        level: body.properties.level,
        name: body.properties.name,
        ...(body.properties.parent === undefined ? {} : { parent: body.properties.parent }),
      },
      geometry: body.geometry,
    };
    const created = await this.edit({ placeId: id, place }, by, at, async () => {
      const issues = placeEditIssues(places, id, body);
      const first = issues[0];
      if (first)
        throw new CloudError('VALIDATION_FAILED', `body${first.path}: ${first.message}`, {
          issues: issues.map((i) => ({ where: 'body', ...i })),
        });
      return places.get(id) === undefined;
    });
    return { place: places.get(id) as Place, created };
  }

  /** Removes a place; refused (PLACE_IN_USE) while it has children or open tickets. */
  async removePlace(id: string, by: string, at: Date): Promise<void> {
    const { places } = this;
    await this.edit({ placeId: id, place: null }, by, at, async (repos) => {
      if (!places.get(id)) throw new CloudError('NOT_FOUND', `no place "${id}"`);
      const children = places.children(id).map((c) => c.id);
      const { tickets, total } = await repos.tickets.list({
        place: id,
        state: OPEN_STATES,
        limit: LISTED_TICKETS,
      });
      const ticketIds = tickets.map((t) => t.id);
      if (children.length === 0 && total === 0) return;
      const reasons: string[] = [];
      if (children.length > 0) reasons.push(`it has children: ${children.join(', ')}`);
      if (total > 0) {
        const more = total > ticketIds.length ? ` and ${total - ticketIds.length} more` : '';
        reasons.push(`open tickets belong to it: ${ticketIds.join(', ')}${more}`);
      }
      throw new CloudError('PLACE_IN_USE', `cannot remove "${id}": ${reasons.join('; ')}`, {
        children,
        openTickets: ticketIds,
        openTicketCount: total,
      });
    });
  }

  /**
   * One edit at a time across instances: under a lock, this registry first takes every saved edit
   * (another instance's too), so `check` sees the hierarchy the edit will really apply to.
   */
  private async edit<T>(
    change: PlaceEdit,
    by: string,
    at: Date,
    check: (repos: Repositories) => Promise<T>,
  ): Promise<T> {
    let saved: PlaceEdit[] = [];
    const result = await this.store.transaction(async (repos) => {
      await repos.places.lockEdits();
      saved = await repos.places.list();
      this.places.applyPlaceEdits(saved);
      const checked = await check(repos);
      await repos.places.save(change, by, at);
      return checked;
    });
    this.places.applyPlaceEdits([...saved.filter((e) => e.placeId !== change.placeId), change]);
    return result;
  }
}
