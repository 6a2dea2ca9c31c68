import { subBox } from '../../../foundation/geometry/image-plane.ts';
import type { Box, RawImage } from '../../../foundation/media/frame.ts';
import type { ScenarioObservation } from '../../rules/incident-lifecycle.ts';
import type { ClassifyCrop, FrameContext, ScenarioRule } from '../../rules/scenario-rule.ts';
import {
  type Occupant,
  type PresenceOptions,
  type TrackedInput,
  ZonePresence,
} from '../../rules/zone-presence.ts';
import type { TruckPlates } from './truck-plates.ts';

export interface MuckTruckRuleOptions {
  /** Whether a tracked vehicle counts: in the zone, of a truck-like label, big enough. */
  contains: (object: TrackedInput) => boolean;
  presence: PresenceOptions;
  classify: ClassifyCrop;
  /** Frames a vehicle must have been seen in the zone before it is classified. */
  minTrackFrames: number;
  /** Consecutive "uncovered" verdicts that confirm it. */
  confirmFrames: number;
  uncoveredLabel: string;
  uncoveredScore: number;
  /** The load's part of the vehicle box, as fractions [x1, y1, x2, y2] of the box. */
  cargoRegion: readonly [number, number, number, number];
  /** A confirmed vehicle is re-classified only this often (seconds), to keep its score fresh. */
  recheckSeconds: number;
  /** Plate reading for trucks the classifier calls uncovered; absent: plates are not read. */
  plates?: TruckPlates;
}

interface VehicleState {
  framesSeen: number;
  streak: number;
  confirmed: boolean;
  lastClassifiedAt: number;
  uncovered: number;
}

/**
 * Uncovered muck trucks: a vehicle tracked in the zone for `minTrackFrames` frames has its cargo
 * area cropped and classified on each analysed frame; `confirmFrames` uncovered verdicts in a row
 * confirm it, and it stays confirmed until it leaves (a passing shadow must not end the incident).
 */
export class MuckTruckRule implements ScenarioRule {
  private readonly presence: ZonePresence;
  private readonly vehicles = new Map<number, VehicleState>();

  constructor(private readonly options: MuckTruckRuleOptions) {
    this.presence = new ZonePresence(options.presence);
  }

  async observe({ tracked, time, frame }: FrameContext): Promise<ScenarioObservation> {
    const { present, exited } = this.presence.update(tracked, time, this.options.contains);
    const { plates } = this.options;
    for (const gone of exited) {
      this.vehicles.delete(gone.key);
      plates?.forget(gone.key);
    }
    const confirmed: Occupant[] = [];
    for (const occupant of present) {
      if (occupant.lastSeenAt !== time) continue;
      const state = this.stateOf(occupant.key);
      state.framesSeen += 1;
      if (this.due(state, time)) await this.classify(occupant, state, frame, time);
      // Plates are read from the first uncovered verdict, so the incident has its plate early.
      if (plates && (state.streak > 0 || state.confirmed))
        await plates.observe(occupant.key, frame, occupant.box, time);
      if (!state.confirmed) continue;
      const plate = plates?.plate(occupant.key);
      confirmed.push({
        ...occupant,
        attributes: { [this.options.uncoveredLabel]: state.uncovered },
        ...(plate ? { plate } : {}),
      });
    }
    const confidence =
      confirmed.length === 0
        ? 0
        : confirmed.reduce((sum, o) => sum + (o.attributes?.[this.options.uncoveredLabel] ?? 0), 0) /
          confirmed.length;
    // A newly read plate is a change worth an update event: the lifecycle reports changed counts.
    const counts = plates ? { platesRead: confirmed.filter((o) => o.plate).length } : undefined;
    return { active: confirmed.length > 0, objects: confirmed, confidence, ...(counts ? { counts } : {}) };
  }

  private stateOf(key: number): VehicleState {
    let state = this.vehicles.get(key);
    if (!state) {
      state = {
        framesSeen: 0,
        streak: 0,
        confirmed: false,
        lastClassifiedAt: Number.NEGATIVE_INFINITY,
        uncovered: 0,
      };
      this.vehicles.set(key, state);
    }
    return state;
  }

  private due(state: VehicleState, time: number): boolean {
    if (state.framesSeen < this.options.minTrackFrames) return false;
    return !state.confirmed || time - state.lastClassifiedAt >= this.options.recheckSeconds;
  }

  private async classify(
    occupant: Occupant,
    state: VehicleState,
    frame: RawImage,
    time: number,
  ): Promise<void> {
    const crop = cargoCrop(occupant.box, this.options.cargoRegion, frame.width, frame.height);
    if (!crop) return;
    const { scores } = await this.options.classify(frame, crop);
    const uncovered = scores[this.options.uncoveredLabel] ?? 0;
    state.lastClassifiedAt = time;
    if (state.confirmed) {
      state.uncovered = uncovered;
      return;
    }
    state.streak = uncovered >= this.options.uncoveredScore ? state.streak + 1 : 0;
    state.uncovered = uncovered;
    if (state.streak >= this.options.confirmFrames) state.confirmed = true;
  }
}

/** The region of `box` given as fractions of it, clipped to the frame; undefined if under 2 px a side. */
export function cargoCrop(
  box: Readonly<Box>,
  region: readonly [number, number, number, number],
  frameWidth: number,
  frameHeight: number,
): Box | undefined {
  return subBox(box, region, frameWidth, frameHeight, 2);
}
