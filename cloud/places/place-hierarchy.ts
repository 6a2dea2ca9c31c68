import type { PolygonRings } from '../../foundation/geometry/lon-lat.ts';
import { PLACE_LEVELS, type PlaceFeature, type PlaceLevel } from './places-schema.ts';

export interface Place {
  id: string;
  level: PlaceLevel;
  name: string;
  parent: string | undefined;
  polygons: readonly PolygonRings[];
}

/** A place edit: the place as it is now, or `null` when it was removed. */
export interface PlaceEdit {
  placeId: string;
  place: PlaceFeature | null;
}

export function placeOfFeature(feature: PlaceFeature): Place {
  const { id, level, name, parent } = feature.properties;
  const polygons =
    feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  return { id, level, name, parent, polygons: polygons as PolygonRings[] };
}

export function featureOfPlace(place: Place) {
  return {
    type: 'Feature' as const,
    properties: {
      id: place.id,
      level: place.level,
      name: place.name,
      ...(place.parent ? { parent: place.parent } : {}),
    },
    geometry: { type: 'MultiPolygon' as const, coordinates: place.polygons },
  };
}

/** The level a place of `level` has its parent at; undefined for a district. */
export function parentLevelOf(level: PlaceLevel): PlaceLevel | undefined {
  return PLACE_LEVELS[PLACE_LEVELS.indexOf(level) - 1];
}

/** Every place whose parent is missing or not one level up, and every district with a parent. */
export function hierarchyProblems(places: ReadonlyMap<string, Place>): string[] {
  const problems: string[] = [];
  for (const place of places.values()) {
    const expected = parentLevelOf(place.level);
    if (expected === undefined) {
      if (place.parent !== undefined) problems.push(`district "${place.id}" has a parent`);
      continue;
    }
    const parent = place.parent === undefined ? undefined : places.get(place.parent);
    if (!parent)
      problems.push(
        `${place.level} "${place.id}" needs a parent ${expected}; "${place.parent ?? ''}" is not one`,
      );
    else if (parent.level !== expected)
      problems.push(
        `${place.level} "${place.id}" has parent "${parent.id}", a ${parent.level}, not a ${expected}`,
      );
  }
  return problems;
}
