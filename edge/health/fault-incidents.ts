import type { CameraFault } from '../../foundation/contract/events.ts';

export interface FaultTiming {
  /** A fault must hold this long before its incident starts. */
  openSeconds: number;
  /** An open incident ends once its fault has not held for this long. */
  clearSeconds: number;
}

/** The figure that decided a fault (see PictureVerdict), kept for the incident's events. */
export interface FaultFigure {
  name: string;
  value: number;
}

export interface FaultTransition {
  fault: CameraFault;
  phase: 'start' | 'end';
  sequence: number;
  /** Stream seconds: when the fault began to hold, when this was decided, when it stopped holding. */
  startedAt: number;
  observedAt: number;
  endedAt?: number;
  /** Share of the observations since it began in which the fault held. */
  confidence: number;
  figure: FaultFigure | undefined;
}

interface FaultState {
  since: number;
  lastHeld: number;
  held: number;
  seen: number;
  figure: FaultFigure | undefined;
  open: boolean;
}

/** A pending fault that misses fewer observations than this long still counts as holding on. */
const MAX_GAP_SECONDS = 5;

/**
 * Incidents of one camera's faults: a fault that holds (allowing gaps shorter than MAX_GAP_SECONDS,
 * or `clearSeconds` when shorter) for `openSeconds` starts an incident dated from when it began;
 * once it has not held for `clearSeconds` the incident ends, dated from its last holding. Pure:
 * the caller passes stream time and what holds.
 */
export class FaultIncidents {
  private readonly states = new Map<CameraFault, FaultState>();
  private readonly gap: number;

  constructor(private readonly timing: FaultTiming) {
    this.gap = Math.min(MAX_GAP_SECONDS, timing.clearSeconds);
  }

  /** One observation at `time`: `holding` holds (or nothing does), every other fault does not. */
  observe(time: number, holding: CameraFault | undefined, figure?: FaultFigure): FaultTransition[] {
    const transitions: FaultTransition[] = [];
    if (holding !== undefined) {
      let state = this.states.get(holding);
      if (state && !state.open && time - state.lastHeld > this.gap) state = undefined;
      if (!state) {
        state = { since: time, lastHeld: time, held: 0, seen: 0, figure, open: false };
        this.states.set(holding, state);
      }
      state.lastHeld = time;
      state.held++;
      state.seen++;
      state.figure = figure ?? state.figure;
      if (!state.open && time - state.since >= this.timing.openSeconds) {
        state.open = true;
        transitions.push(this.transition(holding, state, 'start', time));
      }
    }
    for (const [fault, state] of this.states) {
      if (fault === holding) continue;
      state.seen++;
      if (state.open && time - state.lastHeld >= this.timing.clearSeconds) {
        transitions.push(this.transition(fault, state, 'end', time));
        this.states.delete(fault);
      } else if (!state.open && time - state.lastHeld > this.gap) {
        this.states.delete(fault);
      }
    }
    return transitions;
  }

  /** Ends every open incident at `time` (the camera stops, a replay ends). */
  finish(time: number): FaultTransition[] {
    const ended: FaultTransition[] = [];
    for (const [fault, state] of this.states)
      if (state.open) ended.push(this.transition(fault, state, 'end', time));
    this.states.clear();
    return ended;
  }

  /** The faults whose incidents are open, with when each began and last held (stream seconds). */
  openFaults(): { fault: CameraFault; since: number; lastHeld: number }[] {
    return [...this.states]
      .filter(([, s]) => s.open)
      .map(([fault, s]) => ({ fault, since: s.since, lastHeld: s.lastHeld }));
  }

  private transition(
    fault: CameraFault,
    s: FaultState,
    phase: 'start' | 'end',
    time: number,
  ): FaultTransition {
    return {
      fault,
      phase,
      sequence: phase === 'start' ? 0 : 1,
      startedAt: s.since,
      observedAt: time,
      ...(phase === 'end' ? { endedAt: Math.min(time, s.lastHeld) } : {}),
      confidence: s.seen === 0 ? 1 : s.held / s.seen,
      figure: s.figure,
    };
  }
}
