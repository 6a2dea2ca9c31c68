import type { Queryable } from '../db/database.ts';
import { cameraRepository } from './camera-repository.ts';
import type { PlaceRegistry } from './place-registry.ts';
import { placeRepository } from './place-repository.ts';

/** At start: the camera and place edits kept in the database, over what the files loaded. */
export async function applyStoredEdits(db: Queryable, places: PlaceRegistry): Promise<void> {
  places.applyCameraEdits(await cameraRepository.list(db));
  places.applyPlaceEdits(await placeRepository.list(db));
}
