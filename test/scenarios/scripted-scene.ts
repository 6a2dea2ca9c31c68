import type { z } from 'zod';
import type { OccupationRegion, OccupationSource } from '../../edge/background/occupation-source.ts';
import { IncidentLifecycle, type IncidentTransition } from '../../edge/rules/incident-lifecycle.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import type { ScenarioConfigBase, ScenarioDefinition } from '../../edge/scenarios/scenario-definition.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

/**
 * A camera scripted frame by frame for scenario tests: its tracks, and the occupation regions its
 * background model reports (the model itself is tested on its own). 640 × 480 frames at 5 fps;
 * the scenario's zone is x 50..600, y 150..470.
 */
export const WIDTH = 640;
export const HEIGHT = 480;
const FRAME: RawImage = { data: new Uint8Array(0), width: WIDTH, height: HEIGHT };
const inZone = (x: number, y: number) => x >= 50 && x <= 600 && y >= 150 && y <= 470;

export type Script = (t: number) => { regions?: OccupationRegion[]; tracked?: TrackedInput[] };

/**
 * Runs a scenario type's rule, built from `settings` with its schema's defaults, over `seconds`
 * of the script, through an incident lifecycle with the scenario's timing; the transitions.
 */
export async function runScenario<Schema extends z.ZodType<ScenarioConfigBase>>(
  definition: ScenarioDefinition<Schema>,
  settings: Record<string, unknown>,
  script: Script,
  seconds: number,
): Promise<IncidentTransition[]> {
  const config = definition.schema.parse({ type: definition.type, zone: 'pavement', ...settings });
  const occupation: OccupationSource = { regions: ({ time }) => script(time).regions ?? [] };
  const rule = definition.buildRule(config, {
    width: WIDTH,
    height: HEIGHT,
    inZone: () => (o) => inZone((o.box[0] + o.box[2]) / 2, o.box[3]),
    zoneContains: () => inZone,
    presence: (radius) => ({
      stationaryRadius: radius * Math.hypot(WIDTH, HEIGHT),
      exitGraceSeconds: 2,
      reassociateRadius: 32,
      reassociateSeconds: 5,
    }),
    classifier: () => {
      throw new Error(`${definition.type} runs no classifier`);
    },
    plateReader: () => {
      throw new Error(`${definition.type} reads no plates`);
    },
    occupation: () => occupation,
  });
  const lifecycle = new IncidentLifecycle({
    clearSeconds: config.clearSeconds,
    minUpdateSeconds: config.minUpdateSeconds,
    scoreGain: 0.1,
  });
  const transitions: IncidentTransition[] = [];
  for (let k = 0; k <= seconds * 5; k++) {
    const time = k / 5;
    const observation = await rule.observe({ time, frame: FRAME, tracked: script(time).tracked ?? [] });
    const transition = lifecycle.step(time, observation);
    if (transition) transitions.push(transition);
  }
  const last = lifecycle.close(seconds);
  if (last) transitions.push(last);
  return transitions;
}

/** A person whose feet are at (x, feetY). */
export const person = (id: number, x: number, feetY = 340, score = 0.8): TrackedInput => ({
  id,
  label: 'person',
  score,
  box: [x - 10, feetY - 70, x + 10, feetY],
});
