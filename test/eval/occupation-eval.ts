import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { EdgeConfig } from '../../edge/config/edge-config-schema.ts';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { replayVideo } from '../../edge/replay/replay.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';

/**
 * `npm run eval -- occupation`: the occupation and street-vending rules on
 * fixtures/video/vtest-occupation.mp4 (real photographs composited onto vtest at known times),
 * scored at incident level against fixtures/ground-truth/occupation.json, and the false incidents
 * of the same config on the untouched vtest.mp4 (goal 0).
 */

export const OCCUPATION_CONFIG = 'fixtures/configs/vtest-occupation.yaml';
export const OCCUPATION_VIDEO = 'fixtures/video/vtest-occupation.mp4';
export const OCCUPATION_TRUTH = 'fixtures/ground-truth/occupation.json';
const PLAIN_VIDEO = 'fixtures/video/vtest.mp4';
const TYPES = ['occupation', 'street_vending'] as const;

const TruthSchema = z.object({
  width: z.number(),
  height: z.number(),
  incidents: z.array(
    z.object({
      id: z.string(),
      expect: z.enum(TYPES),
      box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      appearsAt: z.number(),
      goneAt: z.number(),
    }),
  ),
});
export type OccupationTruth = z.infer<typeof TruthSchema>;

export async function loadOccupationTruth(): Promise<OccupationTruth> {
  return TruthSchema.parse(JSON.parse(await readFile(OCCUPATION_TRUTH, 'utf8')));
}

/** One incident as its events tell it: seconds from the video start, boxes normalised. */
export interface ReplayedIncident {
  type: string;
  scenario: string;
  start: number;
  end: number;
  boxes: [number, number, number, number][];
}

/** Replays `video` through the real pipeline with `config` and gathers its incidents. */
export async function replayIncidents(
  config: Readonly<EdgeConfig>,
  video: string,
): Promise<ReplayedIncident[]> {
  const events: EdgeEvent[] = [];
  await replayVideo({ config, video, speed: 'max', epochMs: 0, onEvent: (e) => events.push(e) });
  const byId = new Map<string, ReplayedIncident>();
  for (const e of events) {
    const at = (iso: string) => Date.parse(iso) / 1000;
    const incident = byId.get(e.incidentId) ?? {
      type: e.type,
      scenario: e.scenario,
      start: at(e.startedAt),
      end: Number.POSITIVE_INFINITY,
      boxes: [],
    };
    incident.boxes.push(...e.objects.filter((o) => o.label !== 'person').map((o) => o.box));
    if (e.phase === 'end') incident.end = at(e.endedAt ?? e.observedAt);
    byId.set(e.incidentId, incident);
  }
  return [...byId.values()];
}

export interface TypeScore {
  type: string;
  truths: number;
  found: number;
  truePositives: number;
  precision: number;
  recall: number;
  /** Per matched truth: found start minus the earliest allowed (appearance + the rule's dwell), and found end minus its going. */
  startErrors: number[];
  endErrors: number[];
}

/**
 * Matches incidents to the truth of their type, one to one: a found incident matches a truth when
 * their times overlap and one of its boxes overlaps the truth's box.
 */
export function scoreIncidents(
  truth: OccupationTruth,
  found: readonly ReplayedIncident[],
  dwellSeconds: (type: string) => number,
): TypeScore[] {
  return TYPES.map((type) => {
    const truths = truth.incidents.filter((t) => t.expect === type);
    const candidates = found.filter((f) => f.type === type);
    const used = new Set<ReplayedIncident>();
    const startErrors: number[] = [];
    const endErrors: number[] = [];
    for (const t of truths) {
      const box = [
        t.box[0] / truth.width,
        t.box[1] / truth.height,
        t.box[2] / truth.width,
        t.box[3] / truth.height,
      ] as const;
      const match = candidates.find(
        (f) =>
          !used.has(f) &&
          f.start < t.goneAt &&
          f.end > t.appearsAt &&
          f.boxes.some((b) => b[0] < box[2] && b[2] > box[0] && b[1] < box[3] && b[3] > box[1]),
      );
      if (!match) continue;
      used.add(match);
      startErrors.push(match.start - (t.appearsAt + dwellSeconds(type)));
      endErrors.push(match.end - t.goneAt);
    }
    const tp = used.size;
    return {
      type,
      truths: truths.length,
      found: candidates.length,
      truePositives: tp,
      precision: candidates.length === 0 ? Number.NaN : tp / candidates.length,
      recall: truths.length === 0 ? Number.NaN : tp / truths.length,
      startErrors,
      endErrors,
    };
  });
}

/** The config's `minDwellSeconds` of its (first) scenario of `type`. */
export function dwellOf(config: Readonly<EdgeConfig>): (type: string) => number {
  return (type) => {
    const scenario = config.cameras[0]?.scenarios.find((s) => s.type === type) as
      | { minDwellSeconds?: number }
      | undefined;
    return scenario?.minDwellSeconds ?? 0;
  };
}

const fmt = (v: number) => (Number.isNaN(v) ? '  n/a' : v.toFixed(2));
const list = (values: number[]) =>
  values.length === 0 ? '-' : values.map((v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`).join(' ');

export async function runOccupationEval(): Promise<void> {
  const config = await loadEdgeConfig(OCCUPATION_CONFIG);
  const truth = await loadOccupationTruth();
  const scores = scoreIncidents(truth, await replayIncidents(config, OCCUPATION_VIDEO), dwellOf(config));
  console.log(`\noccupation: ${OCCUPATION_VIDEO} against ${OCCUPATION_TRUTH} (config ${OCCUPATION_CONFIG})`);
  console.log(
    'type            truths  found  TP  precision  recall  start error s (found - appears - dwell)  end error s (found - gone)',
  );
  for (const s of scores) {
    console.log(
      `${s.type.padEnd(15)} ${String(s.truths).padStart(6)} ${String(s.found).padStart(6)} ${String(s.truePositives).padStart(3)}  ${fmt(s.precision).padStart(9)}  ${fmt(s.recall).padStart(6)}  ${list(s.startErrors).padEnd(40)}  ${list(s.endErrors)}`,
    );
  }
  const plain = await replayIncidents(config, PLAIN_VIDEO);
  console.log(`false incidents on the untouched ${PLAIN_VIDEO} (goal 0):`);
  for (const type of TYPES)
    console.log(`  ${type.padEnd(15)} ${plain.filter((i) => i.type === type).length}`);
}
