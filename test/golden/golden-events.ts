import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { replayVideo } from '../../edge/replay/replay.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';

/**
 * A fixture video's expected events (golden file, fixtures/expected/*.json): what a replay of the
 * video with its config must raise, within tolerances on times and boxes. Events are kept in a
 * summarised form (times relative to the video start) so the file reads as a review record.
 */
export const GoldenObjectSchema = z.object({
  label: z.string(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});

export const GoldenEventSchema = z.object({
  scenario: z.string(),
  type: z.string(),
  phase: z.enum(['start', 'update', 'end']),
  /** Seconds from the video start. */
  startedAt: z.number(),
  observedAt: z.number(),
  objectCount: z.number().int(),
  objects: z.array(GoldenObjectSchema),
  counts: z.record(z.string(), z.number()).optional(),
  attributes: z.record(z.string(), z.number()).optional(),
});

export const GoldenFileSchema = z.object({
  description: z.string(),
  synthetic: z.boolean(),
  video: z.string(),
  config: z.string(),
  camera: z.string(),
  /** Wall-clock time given to the first frame. */
  startTime: z.iso.datetime(),
  tolerance: z.object({
    /** Event times may differ by this many seconds. */
    seconds: z.number().nonnegative(),
    /** Box coordinates (normalised) may differ by this much. */
    box: z.number().nonnegative(),
    /** Object counts may differ by this many. */
    objects: z.number().int().nonnegative(),
  }),
  events: z.array(GoldenEventSchema),
});

export type GoldenFile = z.infer<typeof GoldenFileSchema>;
export type GoldenEvent = z.infer<typeof GoldenEventSchema>;

export const EXPECTED_DIR = 'fixtures/expected';

export function listGoldenFiles(dir = EXPECTED_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

export function readGoldenFile(file: string): GoldenFile {
  return GoldenFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

export function summariseEvent(event: EdgeEvent, epochMs: number): GoldenEvent {
  const seconds = (iso: string) => round((Date.parse(iso) - epochMs) / 1000, 1);
  const attributes: Record<string, number> = {};
  for (const object of event.objects) {
    for (const [key, value] of Object.entries(object.attributes ?? {})) {
      attributes[key] = Math.max(attributes[key] ?? 0, round(value));
    }
  }
  return {
    scenario: event.scenario,
    type: event.type,
    phase: event.phase,
    startedAt: seconds(event.startedAt),
    observedAt: seconds(event.observedAt),
    objectCount: event.objectCount,
    objects: event.objects.map((o) => ({
      label: o.label,
      box: o.box.map((v) => round(v, 3)) as GoldenEvent['objects'][number]['box'],
    })),
    ...(event.counts ? { counts: event.counts } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

/**
 * Differences between actual and expected events, one line each; empty when they agree. Events
 * are compared in order per scenario: same phases, times within tolerance, object counts within
 * tolerance, and each expected object matched by an actual one of its label with every box
 * coordinate within tolerance.
 */
export function compareEvents(
  actual: readonly GoldenEvent[],
  expected: readonly GoldenEvent[],
  tolerance: GoldenFile['tolerance'],
): string[] {
  const problems: string[] = [];
  const scenarios = [...new Set([...expected, ...actual].map((e) => e.scenario))];
  for (const scenario of scenarios) {
    const want = expected.filter((e) => e.scenario === scenario);
    const got = actual.filter((e) => e.scenario === scenario);
    const phases = (list: readonly GoldenEvent[]) => list.map((e) => `${e.phase}@${e.observedAt}`).join(' ');
    if (want.map((e) => e.phase).join() !== got.map((e) => e.phase).join()) {
      problems.push(`${scenario}: expected events ${phases(want) || 'none'}, got ${phases(got) || 'none'}`);
      continue;
    }
    want.forEach((w, i) => {
      const g = got[i] as GoldenEvent;
      const where = `${scenario} event ${i} (${w.phase})`;
      for (const key of ['startedAt', 'observedAt'] as const) {
        if (Math.abs(g[key] - w[key]) > tolerance.seconds) {
          problems.push(`${where}: ${key} ${g[key]} s, expected ${w[key]} ± ${tolerance.seconds} s`);
        }
      }
      if (Math.abs(g.objectCount - w.objectCount) > tolerance.objects) {
        problems.push(`${where}: ${g.objectCount} objects, expected ${w.objectCount} ± ${tolerance.objects}`);
      }
      if (JSON.stringify(g.counts ?? null) !== JSON.stringify(w.counts ?? null)) {
        problems.push(`${where}: counts ${JSON.stringify(g.counts)}, expected ${JSON.stringify(w.counts)}`);
      }
      let unmatched = 0;
      for (const object of w.objects) {
        const match = g.objects.some(
          (o) =>
            o.label === object.label &&
            o.box.every((v, k) => Math.abs(v - (object.box[k] as number)) <= tolerance.box),
        );
        if (!match) unmatched += 1;
      }
      if (unmatched > tolerance.objects) {
        problems.push(`${where}: ${unmatched} expected objects have no matching box within ${tolerance.box}`);
      }
    });
  }
  return problems;
}

/** Replays a golden file's video with its config at max speed and summarises the events. */
export async function replayGolden(golden: GoldenFile): Promise<{ events: GoldenEvent[]; raw: EdgeEvent[] }> {
  const config = await loadEdgeConfig(golden.config);
  const epochMs = Date.parse(golden.startTime);
  const raw: EdgeEvent[] = [];
  await replayVideo({
    config,
    video: golden.video,
    cameraId: golden.camera,
    speed: 'max',
    epochMs,
    onEvent: (event) => raw.push(event),
  });
  return { events: raw.map((e) => summariseEvent(e, epochMs)), raw };
}
