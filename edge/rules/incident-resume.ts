import type { EdgeEvent } from '../../foundation/contract/events.ts';

/**
 * What a restarted edge does with an incident its journal says was open when the node stopped
 * without ending it (`kill -9`, a power cut). Pure: times come in as arguments.
 *
 * - Back soon enough (not seen for at most the scenario's `clearSeconds` plus
 *   RESUME_MAX_DOWNTIME_SECONDS): the scenario gets until `now + warm-up + clearSeconds +
 *   RESUME_SETTLE_SECONDS` to raise it again. The warm-up is the time its rule needs to fire at all
 *   (`minDwellSeconds`, `maxSeconds`, its frame counts at the camera's fps). Raised in time, it is
 *   continued: same incident id, the sequence going on, an `update`, never a second `start`.
 * - Otherwise (away too long, scenario or camera gone, not raised in time) it is ended: an `end`
 *   whose `endedAt` is when it was last seen.
 */

/** Time beyond the scenario's own `clearSeconds` a node may be away and still continue an incident. */
export const RESUME_MAX_DOWNTIME_SECONDS = 60;
/** Allowance for the camera to deliver frames and the tracker to confirm objects after a start. */
export const RESUME_SETTLE_SECONDS = 15;

export interface ResumeTiming {
  clearSeconds: number;
  /** Seconds the scenario's rule needs before it can fire (see `warmUpSeconds`). */
  warmUpSeconds: number;
}

export type ResumePlan = { kind: 'continue'; untilMs: number } | { kind: 'end'; reason: string };

export function planResume(lastSeenMs: number, nowMs: number, timing: ResumeTiming): ResumePlan {
  const awaySeconds = Math.max(0, (nowMs - lastSeenMs) / 1000);
  const limit = timing.clearSeconds + RESUME_MAX_DOWNTIME_SECONDS;
  if (awaySeconds > limit) {
    return { kind: 'end', reason: `not seen for ${Math.round(awaySeconds)} s (continued up to ${limit} s)` };
  }
  const windowSeconds = timing.warmUpSeconds + timing.clearSeconds + RESUME_SETTLE_SECONDS;
  return { kind: 'continue', untilMs: nowMs + windowSeconds * 1000 };
}

/** Config fields (seconds) a rule must see hold before it fires, by scenario type. */
const WARM_UP_SECONDS = ['minDwellSeconds', 'maxSeconds'] as const;
/** Config fields counting analysed frames before it fires. */
const WARM_UP_FRAMES = ['minTrackFrames', 'confirmFrames'] as const;

/**
 * The time a scenario's rule needs before it can fire, read from its config: the dwell it waits
 * for, plus the frames it counts at `fps`. 0 for a rule that fires on one frame (line crossing).
 */
export function warmUpSeconds(scenario: Readonly<Record<string, unknown>>, fps: number): number {
  const number = (key: string) => (typeof scenario[key] === 'number' ? (scenario[key] as number) : 0);
  const seconds = Math.max(0, ...WARM_UP_SECONDS.map(number));
  const frames = WARM_UP_FRAMES.reduce((sum, key) => sum + number(key), 0);
  return seconds + (fps > 0 ? frames / fps : 0);
}

/**
 * The `end` of an incident that was not continued: its last event's content, the next sequence,
 * `endedAt` when it was last seen, `observedAt` now. Its evidence keeps the snapshots (the clip and
 * what was missing are for the evidence stage to find again).
 */
export function endAfterRestart(last: EdgeEvent, lastSeenMs: number, nowMs: number): EdgeEvent {
  const sequence = last.sequence + 1;
  const endedAtMs = Math.max(lastSeenMs, Date.parse(last.observedAt));
  const { clip: _clip, missing: _missing, ...evidence } = last.evidence;
  return {
    ...last,
    eventId: `${last.incidentId}:${sequence}`,
    sequence,
    phase: 'end',
    observedAt: new Date(Math.max(nowMs, endedAtMs)).toISOString(),
    endedAt: new Date(endedAtMs).toISOString(),
    evidence,
  };
}
