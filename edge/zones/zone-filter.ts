import { boxArea, type Polygon, pointInPolygon, toPixels } from '../../foundation/geometry/image-plane.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { ZoneConfig, ZoneFilters } from './zone-schema.ts';

/** A zone ready for the per-frame loop: its outline in pixels of the analysed frame. */
export interface PixelZone {
  readonly name: string;
  /** Outline in pixels of the frame the boxes are in. */
  readonly points: Polygon;
  readonly filters: Readonly<ZoneFilters>;
}

/** Converts a configured (normalised) zone to pixels of a width × height frame. Once, at set-up. */
export function zoneToPixels(zone: Readonly<ZoneConfig>, width: number, height: number): PixelZone {
  return { name: zone.name, points: toPixels(zone.points, width, height), filters: zone.filters };
}

/**
 * Whether a detected object counts as in the zone: its bottom-centre point (where it stands; see
 * `bottomCentre`) is inside the zone's outline or on its edge, AND it passes the zone's filters:
 *   - labels:   its label is one of them (absent: any label);
 *   - minScore: its score is at least this;
 *   - minArea / maxArea: its box area as a fraction of the frame area (frameWidth × frameHeight)
 *     is within [minArea, maxArea], bounds included.
 * The box and the zone's points are in pixels of the same frameWidth × frameHeight frame.
 * Allocates nothing; the cheap filters run before the polygon test.
 */
export function objectInZone(
  box: Readonly<Box>,
  score: number,
  label: string,
  zone: PixelZone,
  frameWidth: number,
  frameHeight: number,
): boolean {
  const filters = zone.filters;
  if (filters.minScore !== undefined && score < filters.minScore) return false;
  if (filters.labels !== undefined && !filters.labels.includes(label)) return false;
  if (filters.minArea !== undefined || filters.maxArea !== undefined) {
    const areaFraction = boxArea(box) / (frameWidth * frameHeight);
    if (filters.minArea !== undefined && areaFraction < filters.minArea) return false;
    if (filters.maxArea !== undefined && areaFraction > filters.maxArea) return false;
  }
  return pointInPolygon((box[0] + box[2]) / 2, box[3], zone.points);
}
