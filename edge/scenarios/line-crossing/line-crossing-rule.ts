import { bottomCentre } from '../../../foundation/geometry/image-plane.ts';
import type { ScenarioObservation } from '../../rules/incident-lifecycle.ts';
import { type Crossing, LineCrossingCounter, type LineCrossingOptions } from '../../rules/line-crossing.ts';
import type { FrameContext, ScenarioRule } from '../../rules/scenario-rule.ts';
import type { Occupant } from '../../rules/zone-presence.ts';

/**
 * Counting across a line as incidents: crossings no more than `clearSeconds` apart form one
 * incident (a burst of traffic), whose events carry the burst's counts per direction and the
 * objects that crossed on the frame. The lifecycle ends it once the line has been quiet that long.
 */
export class LineCrossingRule implements ScenarioRule {
  private readonly counter: LineCrossingCounter;
  private burst = { a_to_b: 0, b_to_a: 0 };
  private lastCrossingAt = Number.NEGATIVE_INFINITY;

  constructor(
    options: LineCrossingOptions,
    private readonly clearSeconds: number,
  ) {
    this.counter = new LineCrossingCounter(options);
  }

  observe({ tracked, time }: FrameContext): ScenarioObservation {
    const crossings = this.counter.update(tracked, time);
    if (crossings.length === 0) return { active: false, objects: [], confidence: 0 };
    if (time - this.lastCrossingAt >= this.clearSeconds) this.burst = { a_to_b: 0, b_to_a: 0 };
    this.lastCrossingAt = time;
    for (const crossing of crossings) this.burst[crossing.direction] += 1;
    const objects = crossings.map((c) => crossedObject(c, time));
    const confidence = objects.reduce((sum, o) => sum + o.score, 0) / objects.length;
    return { active: true, objects, confidence, counts: { ...this.burst } };
  }
}

function crossedObject(crossing: Crossing, time: number): Occupant {
  const [x, y] = bottomCentre(crossing.box);
  return {
    key: crossing.trackId,
    trackId: crossing.trackId,
    label: crossing.label,
    score: crossing.score,
    box: crossing.box,
    enteredAt: time,
    lastSeenAt: time,
    stationarySince: time,
    anchorX: x,
    anchorY: y,
  };
}
