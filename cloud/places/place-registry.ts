import { type LonLat, pointInPolygon, ringCentroid } from '../../foundation/geometry/lon-lat.ts';
import { CloudError } from '../errors.ts';
import { hierarchyProblems, type Place, type PlaceEdit, placeOfFeature } from './place-hierarchy.ts';
import type { Camera, PlaceFeature, PlaceLevel } from './places-schema.ts';

export type { Place };

/** Where a point is, at every level; each absent when the point is outside every place of it. */
export interface Placement {
  gridId: string | undefined;
  communityId: string | undefined;
  streetId: string | undefined;
  districtId: string | undefined;
}

export const NOWHERE: Placement = {
  gridId: undefined,
  communityId: undefined,
  streetId: undefined,
  districtId: undefined,
};

/**
 * The grid hierarchy (district → street → community → grid) and the cameras. Built from the
 * validated files, then edits over them; checks that ids are unique and every parent exists one
 * level up.
 */
export class PlaceRegistry {
  /** The hierarchy as the file has it, which edits apply over. */
  private readonly seed = new Map<string, Place>();
  private places = new Map<string, Place>();
  private grids: Place[] = [];
  private readonly cameras = new Map<string, Camera>();

  constructor(features: readonly PlaceFeature[], cameras: readonly Camera[], source = 'places') {
    const problems: string[] = [];
    for (const feature of features) {
      const place = placeOfFeature(feature);
      if (this.seed.has(place.id)) problems.push(`place "${place.id}" appears twice`);
      this.seed.set(place.id, place);
    }
    problems.push(...hierarchyProblems(this.seed));
    for (const camera of cameras) {
      const key = cameraKey(camera.edgeId, camera.id);
      if (this.cameras.has(key))
        problems.push(`camera "${camera.id}" of edge "${camera.edgeId}" appears twice`);
      this.cameras.set(key, camera);
    }
    if (problems.length > 0)
      throw new CloudError('PLACES_INVALID', `${source}: ${problems.join('; ')}`, { problems });
    this.use(new Map(this.seed));
  }

  /**
   * Makes the hierarchy the file's with `edits` over it (all the saved edits, not just new ones).
   * Throws PLACES_INVALID, and keeps the hierarchy it had, when the result is inconsistent.
   */
  applyPlaceEdits(edits: readonly PlaceEdit[]): void {
    const next = new Map(this.seed);
    for (const edit of edits) {
      if (edit.place) next.set(edit.placeId, placeOfFeature(edit.place));
      else next.delete(edit.placeId);
    }
    const problems = hierarchyProblems(next);
    if (problems.length > 0)
      throw new CloudError(
        'PLACES_INVALID',
        `the grid file with the place edits in the database: ${problems.join('; ')}`,
        { problems },
      );
    this.use(next);
  }

  private use(places: Map<string, Place>): void {
    this.places = places;
    this.grids = [...places.values()].filter((p) => p.level === 'grid');
  }

  /** The places whose parent is `id`. */
  children(id: string): Place[] {
    return [...this.places.values()].filter((p) => p.parent === id);
  }

  get(id: string): Place | undefined {
    return this.places.get(id);
  }

  list(level?: PlaceLevel): Place[] {
    return [...this.places.values()].filter((p) => level === undefined || p.level === level);
  }

  camera(edgeId: string, cameraId: string): Camera | undefined {
    return this.cameras.get(cameraKey(edgeId, cameraId));
  }

  /** Adds or replaces a camera (an edit over the registry file). */
  setCamera(camera: Camera): void {
    this.cameras.set(cameraKey(camera.edgeId, camera.id), camera);
  }

  deleteCamera(edgeId: string, cameraId: string): boolean {
    return this.cameras.delete(cameraKey(edgeId, cameraId));
  }

  /** Applies saved edits, in order. */
  applyCameraEdits(edits: readonly { edgeId: string; cameraId: string; camera: Camera | null }[]): void {
    for (const edit of edits) {
      if (edit.camera) this.setCamera(edit.camera);
      else this.deleteCamera(edit.edgeId, edit.cameraId);
    }
  }

  listCameras(): Camera[] {
    return [...this.cameras.values()];
  }

  /** Where the camera's incidents are: its footprint's centroid, else the camera itself. */
  viewPoint(camera: Camera): LonLat {
    return camera.footprint ? ringCentroid(camera.footprint as LonLat[]) : [camera.lon, camera.lat];
  }

  /** The grid containing the point and its ancestors; a point outside every grid gets the levels that contain it. */
  locate(point: LonLat): Placement {
    const grid = this.grids.find((g) => g.polygons.some((poly) => pointInPolygon(point, poly)));
    if (grid) return this.withAncestors(grid);
    for (const level of ['community', 'street', 'district'] as const) {
      const place = this.list(level).find((p) => p.polygons.some((poly) => pointInPolygon(point, poly)));
      if (place) return this.withAncestors(place);
    }
    return NOWHERE;
  }

  /** The placement of a place and everything above it. */
  withAncestors(place: Place): Placement {
    const placement: Placement = { ...NOWHERE };
    for (let p: Place | undefined = place; p; p = p.parent ? this.places.get(p.parent) : undefined) {
      placement[`${p.level}Id` as keyof Placement] = p.id;
    }
    return placement;
  }
}

function cameraKey(edgeId: string, cameraId: string): string {
  return `${edgeId}/${cameraId}`;
}
