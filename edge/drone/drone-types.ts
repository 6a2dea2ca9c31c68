import type { Point } from '../../foundation/geometry/image-plane.ts';
import type { RegistrationQuality } from './registration.ts';

export interface EvidenceFile {
  path: string;
  sha256: string;
  size: number;
  contentType: 'image/jpeg';
}

/** A changed region that passed the area, shape and location filters. */
export interface StructureCandidate {
  /** Outline in the flight image's pixels. */
  imagePolygon: Point[];
  /** Outline in the baseline's pixels. */
  baselinePolygon: Point[];
  /** Outline as [lon, lat], where the baseline is georeferenced. */
  geoPolygon?: Point[];
  areaPx: number;
  areaSquareMetres?: number;
  meanScore: number;
  peakScore: number;
  solidity: number;
  /** 0..1, how far above the threshold the region's change is. */
  confidence: number;
  /** The permit that covers it, if any: such a candidate raises no event. */
  permit?: string;
}

export interface ComparedImage {
  status: 'compared';
  image: string;
  area: string;
  baseline: string;
  registration: RegistrationQuality;
  method: string;
  candidates: StructureCandidate[];
  /** Changed regions dropped by the filters, by reason. */
  rejected: Record<'area' | 'shape' | 'location', number>;
  /** Size of the compared grid (the baseline's overlap, at analysis resolution), for time per megapixel. */
  comparedMegapixels: number;
  /** `whole`: the pair compared in one piece at full resolution; `tiled`: tile by tile at analysis resolution. */
  path: 'whole' | 'tiled';
  /** For a tiled comparison: how the coarse alignment was found, and what became of the tiles. */
  tiling?: {
    coarse: 'overview' | 'georeference';
    analysisScale: number;
    tiles: { total: number; refined: number; coarse: number; uncovered: number };
  };
  /** Why `accept` left the baseline as it was, when it did. */
  notAccepted?: string;
  timings: { registerMs: number; detectMs: number };
}

export interface RefusedImage {
  status: 'refused';
  image: string;
  area?: string;
  code: string;
  reason: string;
}

export type ImageOutcome = ComparedImage | RefusedImage;
