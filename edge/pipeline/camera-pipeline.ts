import type { EdgeEvent, EventType } from '../../foundation/contract/events.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import type { Detection } from '../detect/types.ts';
import { buildEvent, type EventSource, incidentId } from '../events/event-builder.ts';
import { IncidentLifecycle, type LifecycleOptions } from '../rules/incident-lifecycle.ts';
import { endAfterRestart, planResume } from '../rules/incident-resume.ts';
import type { ScenarioRule } from '../rules/scenario-rule.ts';
import type { TrackedInput } from '../rules/zone-presence.ts';
import type { ByteTracker } from '../track/byte-tracker.ts';
import { applyDetectionFilters, type DetectionFilter } from './detection-filter.ts';
import type { MotionGate } from './motion-gate.ts';

export interface ScenarioRuntime {
  name: string;
  type: EventType;
  /** The zone (or line) it watches, carried by its events. */
  zone?: string;
  rule: ScenarioRule;
  lifecycle: LifecycleOptions;
  /** Seconds the rule needs before it can fire at all (how long a restart waits to continue an incident). */
  warmUpSeconds: number;
}

/** An incident from before a restart, as the node's journal kept it. */
export interface JournaledIncident {
  /** Its last event. */
  event: EdgeEvent;
  /** When its condition last held, ms since the epoch. */
  lastSeenMs: number;
}

export interface ModelIdentity {
  name: string;
  version: string;
  sha256: string;
}

export interface CameraPipelineOptions {
  edgeId: string;
  cameraId: string;
  /** Wall-clock milliseconds at stream time 0. */
  epochMs: number;
  /** Detections on a frame, in its pixels: the camera's detector(s), low-score ones included for ByteTrack. */
  detect: (frame: RawImage) => Promise<Detection[]>;
  /** Between detection and tracking, in order: suppression regions, verifiers. */
  filters?: readonly DetectionFilter[];
  /** The detector that events name. */
  model: ModelIdentity;
  tracker: ByteTracker;
  /** Without one every frame is inferred. */
  motionGate?: MotionGate;
  /** With no motion, tracked objects are re-inferred only this often (they are assumed still). */
  stillRecheckSeconds: number;
  scenarios: readonly ScenarioRuntime[];
}

/** With no motion and nothing in view, a frame is still analysed this often. */
const IDLE_RECHECK_SECONDS = 10;

export interface CameraCounters {
  framesSeen: number;
  framesAnalysed: number;
  framesSkippedByMotion: number;
  eventsRaised: number;
  lastInferenceMs: number;
}

interface ScenarioState {
  scenario: ScenarioRuntime;
  lifecycle: IncidentLifecycle;
  /** An incident from before a restart offered to the lifecycle, until continued or ended. */
  resumed?: JournaledIncident;
}

/**
 * One camera's analytics: motion gate → detect → track → zone presence → scenario rules →
 * incident events. Frames go in one at a time; events come out in order.
 */
export class CameraPipeline {
  readonly counters: CameraCounters = {
    framesSeen: 0,
    framesAnalysed: 0,
    framesSkippedByMotion: 0,
    eventsRaised: 0,
    lastInferenceMs: 0,
  };
  private readonly states: ScenarioState[];
  private tracked: TrackedInput[] = [];
  private lastInferenceAt = Number.NEGATIVE_INFINITY;
  private lastDetectionCount = 0;
  private lastTime = 0;
  private frameSize = { width: 0, height: 0 };

  constructor(private readonly options: CameraPipelineOptions) {
    this.states = options.scenarios.map((scenario) => ({
      scenario,
      lifecycle: new IncidentLifecycle(scenario.lifecycle),
    }));
  }

  /** Analyses one frame at stream time `time` (seconds) and returns the events it raised. */
  async process(frame: RawImage, time: number): Promise<EdgeEvent[]> {
    this.counters.framesSeen += 1;
    this.frameSize = { width: frame.width, height: frame.height };
    this.lastTime = time;
    if (this.shouldInfer(frame, time)) {
      const started = performance.now();
      const detections = await applyDetectionFilters(
        this.options.filters ?? [],
        frame,
        await this.options.detect(frame),
        time,
      );
      this.lastDetectionCount = detections.length;
      this.counters.lastInferenceMs = performance.now() - started;
      this.counters.framesAnalysed += 1;
      this.lastInferenceAt = time;
      this.tracked = this.options.tracker
        .update(detections, time)
        .map((t) => ({ id: t.id, label: t.label, score: t.score, box: t.box }));
    } else {
      this.counters.framesSkippedByMotion += 1;
    }
    const context = { time, frame, tracked: this.tracked };
    const ended = this.expire(time);
    const events: EdgeEvent[] = [];
    for (const state of this.states) {
      const observation = await state.scenario.rule.observe(context);
      const transition = state.lifecycle.step(time, observation);
      if (transition?.resumed) state.resumed = undefined;
      if (transition) events.push(buildEvent(transition, this.source(state.scenario)));
    }
    this.counters.eventsRaised += events.length;
    return [...ended, ...events];
  }

  /** Ends every open incident, e.g. at the end of a replayed video, and those offered by `resume`. */
  finish(): EdgeEvent[] {
    const ended = this.expire(Number.POSITIVE_INFINITY, this.lastTime);
    const events: EdgeEvent[] = [];
    for (const state of this.states) {
      const transition = state.lifecycle.close(this.lastTime);
      if (transition) events.push(buildEvent(transition, this.source(state.scenario)));
    }
    this.counters.eventsRaised += events.length;
    return [...ended, ...events];
  }

  /**
   * Offers an incident found open after a restart to its scenario (see edge/rules/incident-resume.ts).
   * Returns its `end` instead when it cannot be continued: its scenario is gone, it was away too
   * long, or its id would not come out the same. `nowMs`: the wall clock now.
   */
  resume(incident: JournaledIncident, nowMs: number): EdgeEvent | undefined {
    const { event, lastSeenMs } = incident;
    const state = this.states.find((s) => s.scenario.name === event.scenario);
    const ended = () => endAfterRestart(event, lastSeenMs, nowMs);
    if (!state || state.lifecycle.isOpen || state.resumed) return ended();
    const plan = planResume(lastSeenMs, nowMs, {
      clearSeconds: state.scenario.lifecycle.clearSeconds,
      warmUpSeconds: state.scenario.warmUpSeconds,
    });
    const startedAt = (Date.parse(event.startedAt) - this.options.epochMs) / 1000;
    const sameId =
      incidentId(this.source(state.scenario), startedAt) === event.incidentId &&
      new Date(this.options.epochMs + startedAt * 1000).toISOString() === event.startedAt;
    if (plan.kind === 'end' || !sameId) return ended();
    state.resumed = incident;
    state.lifecycle.resume({
      startedAt,
      sequence: event.sequence,
      until: (plan.untilMs - this.options.epochMs) / 1000,
    });
    return undefined;
  }

  /**
   * The `end` events of incidents offered by `resume` and not raised again by stream time `time`.
   * `endTime` dates them (default `time`).
   */
  expire(time: number, endTime = time): EdgeEvent[] {
    const events: EdgeEvent[] = [];
    for (const state of this.states) {
      const { resumed } = state;
      if (!resumed || !state.lifecycle.expire(time)) continue;
      state.resumed = undefined;
      events.push(endAfterRestart(resumed.event, resumed.lastSeenMs, this.options.epochMs + endTime * 1000));
    }
    this.counters.eventsRaised += events.length;
    return events;
  }

  /** The open incidents (offered ones included): their ids and when each last held (ms). */
  openIncidents(): { incidentId: string; lastSeenMs: number }[] {
    const open: { incidentId: string; lastSeenMs: number }[] = [];
    for (const state of this.states) {
      const current = state.lifecycle.state();
      if (current) {
        open.push({
          incidentId: incidentId(this.source(state.scenario), current.startedAt),
          lastSeenMs: this.options.epochMs + current.lastActiveAt * 1000,
        });
      } else if (state.resumed) {
        open.push({ incidentId: state.resumed.event.incidentId, lastSeenMs: state.resumed.lastSeenMs });
      }
    }
    return open;
  }

  private shouldInfer(frame: RawImage, time: number): boolean {
    const gate = this.options.motionGate;
    if (!gate) return true;
    const moved = gate.hasMotion(frame);
    if (moved) return true;
    // Objects in view (tracked, or seen but not yet confirmed) are re-detected now and then; an
    // empty still scene rarely, in case something arrived without the gate noticing (a stall
    // already standing when the camera came up).
    const objectsInView = this.tracked.length > 0 || this.lastDetectionCount > 0;
    const interval = objectsInView ? this.options.stillRecheckSeconds : IDLE_RECHECK_SECONDS;
    return time - this.lastInferenceAt >= interval;
  }

  private source(scenario: ScenarioRuntime): EventSource {
    return {
      edgeId: this.options.edgeId,
      cameraId: this.options.cameraId,
      scenario: scenario.name,
      type: scenario.type,
      ...(scenario.zone === undefined ? {} : { zone: scenario.zone }),
      model: this.options.model,
      frame: this.frameSize,
      epochMs: this.options.epochMs,
    };
  }
}
