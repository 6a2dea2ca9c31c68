import { CloudError } from '../common/cloud-error.ts';
import { type LonLat, type PolygonRings, pointInPolygon, ringCentroid } from './geo.ts';
import { type Camera, PLACE_LEVELS, type PlaceFeature, type PlaceLevel } from './places-schema.ts';

export interface Place {
  id: string;
  level: PlaceLevel;
  name: string;
  parent: string | undefined;
  polygons: readonly PolygonRings[];
}

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
 * The grid hierarchy (district → street → community → grid) and the cameras. Built once from the
 * validated files; checks that ids are unique and every parent exists one level up.
 */
export class PlaceRegistry {
  private readonly places = new Map<string, Place>();
  private readonly grids: Place[] = [];
  private readonly cameras = new Map<string, Camera>();

  constructor(features: readonly PlaceFeature[], cameras: readonly Camera[], source = 'places') {
    const problems: string[] = [];
    for (const feature of features) {
      const { id, level, name, parent } = feature.properties;
      if (this.places.has(id)) problems.push(`place "${id}" appears twice`);
      const polygons =
        feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
      const place: Place = { id, level, name, parent, polygons: polygons as PolygonRings[] };
      this.places.set(id, place);
      if (level === 'grid') this.grids.push(place);
    }
    for (const place of this.places.values()) {
      const levelIndex = PLACE_LEVELS.indexOf(place.level);
      if (levelIndex === 0) {
        if (place.parent !== undefined) problems.push(`district "${place.id}" has a parent`);
        continue;
      }
      const expected = PLACE_LEVELS[levelIndex - 1];
      const parent = place.parent === undefined ? undefined : this.places.get(place.parent);
      if (!parent)
        problems.push(
          `${place.level} "${place.id}" needs a parent ${expected}; "${place.parent ?? ''}" is not one`,
        );
      else if (parent.level !== expected)
        problems.push(
          `${place.level} "${place.id}" has parent "${parent.id}", a ${parent.level}, not a ${expected}`,
        );
    }
    for (const camera of cameras) {
      const key = cameraKey(camera.edgeId, camera.id);
      if (this.cameras.has(key))
        problems.push(`camera "${camera.id}" of edge "${camera.edgeId}" appears twice`);
      this.cameras.set(key, camera);
    }
    if (problems.length > 0)
      throw new CloudError('PLACES_INVALID', `${source}: ${problems.join('; ')}`, { problems });
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
