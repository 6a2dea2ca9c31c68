import type { Database, Queryable } from '../db/database.ts';
import { ticketRepository } from '../tickets/ticket-repository.ts';
import { FINAL_STATES, TICKET_STATES } from '../tickets/ticket-state-machine.ts';
import { placeEditIssues } from './check-place-edit.ts';
import { PlaceEditError } from './place-edit-error.ts';
import type { Place, PlaceEdit } from './place-hierarchy.ts';
import type { PlaceRegistry } from './place-registry.ts';
import { placeRepository } from './place-repository.ts';
import type { PlaceEditBody } from './places-schema.ts';

const OPEN_STATES = TICKET_STATES.filter((s) => !FINAL_STATES.includes(s));
/** How many open tickets a refusal lists. */
const LISTED_TICKETS = 20;

export interface PlaceEditContext {
  db: Database;
  places: PlaceRegistry;
}

/**
 * Creates or replaces a place: checked against the hierarchy, kept in the database, in effect at
 * once for this instance's placing. Throws PlaceEditError (VALIDATION_FAILED naming the fields).
 */
export async function putPlace(
  { db, places }: PlaceEditContext,
  id: string,
  body: PlaceEditBody,
  by: string,
  at: Date,
): Promise<{ place: Place; created: boolean }> {
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
  const created = await edit(db, places, { placeId: id, place }, by, at, async () => {
    const issues = placeEditIssues(places, id, body);
    const first = issues[0];
    if (first)
      throw new PlaceEditError('VALIDATION_FAILED', `body${first.path}: ${first.message}`, {
        issues: issues.map((i) => ({ where: 'body', ...i })),
      });
    return places.get(id) === undefined;
  });
  return { place: places.get(id) as Place, created };
}

/** Removes a place; refused (PLACE_IN_USE) while it has children or open tickets. */
export async function removePlace(
  { db, places }: PlaceEditContext,
  id: string,
  by: string,
  at: Date,
): Promise<void> {
  await edit(db, places, { placeId: id, place: null }, by, at, async (tx) => {
    if (!places.get(id)) throw new PlaceEditError('NOT_FOUND', `no place "${id}"`);
    const children = places.children(id).map((c) => c.id);
    const { tickets, total } = await ticketRepository.list(tx, {
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
    throw new PlaceEditError('PLACE_IN_USE', `cannot remove "${id}": ${reasons.join('; ')}`, {
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
async function edit<T>(
  db: Database,
  places: PlaceRegistry,
  change: PlaceEdit,
  by: string,
  at: Date,
  check: (tx: Queryable) => Promise<T>,
): Promise<T> {
  let saved: PlaceEdit[] = [];
  const result = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['place-edits']);
    saved = await placeRepository.list(tx);
    places.applyPlaceEdits(saved);
    const checked = await check(tx);
    await placeRepository.save(tx, change, by, at);
    return checked;
  });
  places.applyPlaceEdits([...saved.filter((e) => e.placeId !== change.placeId), change]);
  return result;
}
