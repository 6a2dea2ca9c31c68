import type { z } from 'zod';
import {
  type EdgeEvent,
  EVENT_SCHEMA_VERSION,
  type EventType,
  type ShadowVerdictSchema,
} from '../../foundation/contract/events.ts';
import { CONTRACT_LIMITS } from '../../foundation/contract/limits.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { IncidentTransition } from '../rules/incident-lifecycle.ts';
import { dwellSeconds, stationarySeconds } from '../rules/zone-presence.ts';

/** Everything about where an incident came from that its events carry. */
export interface EventSource {
  edgeId: string;
  cameraId: string;
  scenario: string;
  type: EventType;
  zone?: string;
  model: { name: string; version: string; sha256: string };
  frame: { width: number; height: number };
  /** Wall-clock milliseconds at the camera's time 0, to turn stream seconds into timestamps. */
  epochMs: number;
}

const clampUnit = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number, digits = 4) => Number(v.toFixed(digits));

function normalise(box: Box, width: number, height: number): [number, number, number, number] {
  return [
    round(clampUnit(box[0] / width)),
    round(clampUnit(box[1] / height)),
    round(clampUnit(box[2] / width)),
    round(clampUnit(box[3] / height)),
  ];
}

function roundValues(values: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
}

/** The incident id is fixed by where and when it started, so replays give the same ids. */
export function incidentId(source: EventSource, startedAt: number): string {
  return `${source.edgeId}:${source.cameraId}:${source.scenario}:${Math.round(source.epochMs + startedAt * 1000)}`;
}

/**
 * At most `max` of `objects`: those with the highest scores (the earlier on a tie), in their
 * original order. The contract bounds an event's list; the event's `objectCount` keeps the true count.
 */
function keepHighestScores<T extends { score: number }>(objects: readonly T[], max: number): readonly T[] {
  if (objects.length <= max) return objects;
  const kept = new Set(
    objects
      .map((object, index) => ({ score: object.score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, max)
      .map((entry) => entry.index),
  );
  return objects.filter((_, index) => kept.has(index));
}

export function buildEvent(transition: IncidentTransition, source: EventSource): EdgeEvent {
  const iso = (seconds: number) => new Date(source.epochMs + seconds * 1000).toISOString();
  const id = incidentId(source, transition.startedAt);
  const at = transition.observedAt;
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: `${id}:${transition.sequence}`,
    incidentId: id,
    sequence: transition.sequence,
    type: source.type,
    phase: transition.phase,
    edgeId: source.edgeId,
    cameraId: source.cameraId,
    scenario: source.scenario,
    ...(source.zone ? { zone: source.zone } : {}),
    startedAt: iso(transition.startedAt),
    observedAt: iso(at),
    ...(transition.endedAt !== undefined ? { endedAt: iso(transition.endedAt) } : {}),
    confidence: round(clampUnit(transition.confidence)),
    objectCount: transition.objects.length,
    objects: keepHighestScores(transition.objects, CONTRACT_LIMITS.objects).map((o) => ({
      trackId: o.key,
      label: o.label,
      score: round(clampUnit(o.score)),
      box: normalise(o.box, source.frame.width, source.frame.height),
      dwellSeconds: round(dwellSeconds(o, at), 1),
      stationarySeconds: round(stationarySeconds(o, at), 1),
      ...(o.attributes ? { attributes: roundValues(o.attributes) } : {}),
      ...(o.plate ? { plate: o.plate } : {}),
    })),
    ...(transition.counts ? { counts: { ...transition.counts } } : {}),
    model: source.model,
    frame: source.frame,
    evidence: {},
  };
}

export type ShadowVerdict = z.infer<typeof ShadowVerdictSchema>;
type ModelIdentity = ShadowVerdict['model'];

/** What a shadow detector found on an event's frame (`width`×`height` pixels), as the event carries it. */
export function shadowDetections(
  model: ModelIdentity,
  detections: readonly { label: string; score: number; box: Box }[],
  frame: { width: number; height: number },
): ShadowVerdict {
  return {
    model,
    objects: keepHighestScores(detections, CONTRACT_LIMITS.objects).map((d) => ({
      label: d.label,
      score: round(clampUnit(d.score)),
      box: normalise(d.box, frame.width, frame.height),
    })),
  };
}

/** A shadow verifier's accept score of some of an event's objects (by index), and its verdict at `threshold`. */
export function shadowJudgements(
  model: ModelIdentity,
  scores: readonly { index: number; score: number }[],
  threshold: number,
): ShadowVerdict {
  return {
    model,
    verdicts: scores.map(({ index, score }) => ({
      index,
      accept: score >= threshold,
      score: round(clampUnit(score)),
    })),
  };
}
