import {
  type EdgeEvent,
  EVENT_SCHEMA_VERSION,
  type EventGeometry,
} from '../../foundation/contract/events.ts';
import { boundingBox, polygonCentroid } from '../../foundation/geometry/image-plane.ts';
import type { FeaturesManifest } from '../../foundation/models/manifest-schema.ts';
import type { EvidenceFile, StructureCandidate } from './drone-types.ts';

export type StructureEvent = EdgeEvent & { geometry: EventGeometry };

export interface StructureEventInput {
  edgeId: string;
  areaId: string;
  /** sha256 of the flight image: with the index, it makes ids stable across re-runs and redelivery. */
  imageSha256: string;
  index: number;
  takenAtMs: number;
  frame: { width: number; height: number };
  candidate: StructureCandidate;
  model: FeaturesManifest;
  modelSha256: string;
  evidence?: { before: EvidenceFile; after: EvidenceFile; pair: EvidenceFile };
  attributes?: Record<string, number>;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

function evidenceRef(file: EvidenceFile) {
  return { sha256: file.sha256, size: file.size, contentType: file.contentType };
}

/**
 * One `illegal_structure` event per unpermitted structure. A structure is a standing condition
 * found once per flight, so the event opens an incident (`start`) that ground handling closes.
 */
export function buildStructureEvent(input: StructureEventInput): StructureEvent {
  const { candidate, frame } = input;
  const normalised = candidate.imagePolygon.map(([x, y]): [number, number] => [
    round(clamp01(x / frame.width), 5),
    round(clamp01(y / frame.height), 5),
  ]);
  const box = boundingBox(normalised);
  const time = new Date(input.takenAtMs).toISOString();
  const incidentId = `${input.edgeId}:illegal_structure:${input.areaId}:${input.imageSha256.slice(0, 16)}:${input.index}`;
  const attributes: Record<string, number> = {
    changeScore: round(candidate.meanScore, 4),
    areaPx: Math.round(candidate.areaPx),
    solidity: round(candidate.solidity, 3),
    ...input.attributes,
  };
  if (candidate.areaSquareMetres !== undefined)
    attributes.areaSquareMetres = round(candidate.areaSquareMetres, 1);
  if (candidate.geoPolygon) {
    const [lon, lat] = polygonCentroid(candidate.geoPolygon);
    attributes.lon = round(lon, 7);
    attributes.lat = round(lat, 7);
  }
  const geometry: EventGeometry = { image: normalised };
  if (candidate.geoPolygon) {
    const ring = candidate.geoPolygon.map(([x, y]): [number, number] => [round(x, 7), round(y, 7)]);
    geometry.geo = { type: 'Polygon', coordinates: [[...ring, ring[0] as [number, number]]] };
  }
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: `${incidentId}:0`,
    incidentId,
    sequence: 0,
    type: 'illegal_structure',
    phase: 'start',
    edgeId: input.edgeId,
    cameraId: input.areaId,
    scenario: 'drone_change',
    startedAt: time,
    observedAt: time,
    confidence: round(clamp01(candidate.confidence), 4),
    objectCount: 1,
    objects: [
      {
        trackId: input.index,
        label: 'structure',
        score: round(clamp01(candidate.confidence), 4),
        box: [box[0], box[1], box[2], box[3]],
        attributes,
      },
    ],
    model: { name: input.model.name, version: input.model.version, sha256: input.modelSha256 },
    frame,
    evidence: input.evidence
      ? {
          snapshot: evidenceRef(input.evidence.after),
          snapshotAnnotated: evidenceRef(input.evidence.pair),
          before: evidenceRef(input.evidence.before),
        }
      : {},
    geometry,
  };
}
