import { readValidatedFile } from '../config/read-validated-file.ts';
import { PlaceRegistry } from './place-registry.ts';
import { CameraRegistrySchema, PlacesGeoJsonSchema } from './places-schema.ts';

/** Loads the grid hierarchy GeoJSON and the camera registry; PLACES_INVALID names what is wrong. */
export async function loadPlaces(gridsFile: string, camerasFile: string): Promise<PlaceRegistry> {
  const grids = await readValidatedFile(gridsFile, PlacesGeoJsonSchema, 'PLACES_INVALID');
  const cameras = await readValidatedFile(camerasFile, CameraRegistrySchema, 'PLACES_INVALID');
  return new PlaceRegistry(grids.features, cameras.cameras, `${gridsFile}, ${camerasFile}`);
}
