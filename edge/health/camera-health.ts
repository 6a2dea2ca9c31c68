import type { CameraFault, EdgeEvent } from '../../foundation/contract/events.ts';
import type { CameraHealthConfig } from '../../foundation/edge-config/camera-health-schema.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { buildEvent, type EventSource } from '../events/event-builder.ts';
import { diagnosePicture } from './diagnose-picture.ts';
import { FaultIncidents, type FaultTransition } from './fault-incidents.ts';
import { PictureMeter } from './picture-measures.ts';
import { SceneLearner } from './scene-reference.ts';

export interface CameraHealthOptions {
  edgeId: string;
  cameraId: string;
  /** Wall-clock milliseconds at stream time 0. */
  epochMs: number;
  /** The analysed frame size (events of a camera without frames still name one). */
  frame: { width: number; height: number };
  config: CameraHealthConfig;
  /** What the events name as their model: the diagnosis and a digest of its settings. */
  model: { name: string; version: string; sha256: string };
}

/** Source states in which no picture arrives although the camera should be sending (edge/ingest/). */
const SILENT_STATES: ReadonlySet<string> = new Set(['connecting', 'stalled', 'backing_off']);

/** The scenario name a fault's events carry (incident ids derive from it). */
export const faultScenario = (fault: CameraFault) => `camera-health-${fault.replaceAll('_', '-')}`;

/**
 * One camera's health diagnosis: pictures (a few a second at most) are measured and judged
 * (diagnose-picture.ts); the source's state tells no signal; each fault that lasts becomes a
 * `camera_fault` incident (fault-incidents.ts) whose events go out like any other camera event.
 * Pure: frames, states and stream times come in, events come out.
 */
export class CameraHealthMonitor {
  private readonly meter = new PictureMeter();
  private readonly learner: SceneLearner;
  private readonly picture: FaultIncidents;
  private readonly signal: FaultIncidents;
  private readonly ignored: ReadonlySet<CameraFault>;
  private lastDiagnosed = Number.NEGATIVE_INFINITY;
  private frameSize: { width: number; height: number };
  private lastTime = 0;
  /** Frames measured so far (for the local API and the bench). */
  framesDiagnosed = 0;

  constructor(private readonly options: CameraHealthOptions) {
    const { config } = options;
    this.learner = new SceneLearner(config.learnSeconds);
    this.picture = new FaultIncidents(config);
    this.signal = new FaultIncidents(config);
    this.ignored = new Set(config.ignore);
    this.frameSize = { ...options.frame };
  }

  /** A frame at stream time `time`; diagnosed when `intervalSeconds` have passed since the last one. */
  observeFrame(frame: RawImage, time: number): EdgeEvent[] {
    if (time - this.lastDiagnosed < this.options.config.intervalSeconds) return [];
    this.lastDiagnosed = time;
    this.lastTime = time;
    this.frameSize = { width: frame.width, height: frame.height };
    this.framesDiagnosed++;
    const measures = this.meter.measure(frame);
    const verdict = diagnosePicture(measures, this.learner.reference, this.options.config);
    if (verdict.fault === undefined) this.learner.add(measures, time);
    const holding = verdict.fault && !this.ignored.has(verdict.fault) ? verdict.fault : undefined;
    return this.picture.observe(time, holding, verdict.figure).map((t) => this.event(t));
  }

  /** The camera source's state (edge/ingest/camera-source.ts) at stream time `time`: no signal or not. */
  observeSource(state: string, time: number): EdgeEvent[] {
    this.lastTime = Math.max(this.lastTime, time);
    const silent = SILENT_STATES.has(state) && !this.ignored.has('no_signal');
    if (silent) this.meter.forgetPrevious();
    return this.signal.observe(time, silent ? 'no_signal' : undefined).map((t) => this.event(t));
  }

  /** Ends every open fault incident (the camera stops or a replay ends), at the last time seen. */
  finish(): EdgeEvent[] {
    return [...this.picture.finish(this.lastTime), ...this.signal.finish(this.lastTime)].map((t) =>
      this.event(t),
    );
  }

  /** The faults open now, with when each began (ms since the epoch). */
  openFaults(): { fault: CameraFault; sinceMs: number }[] {
    return [...this.signal.openFaults(), ...this.picture.openFaults()].map((f) => ({
      fault: f.fault,
      sinceMs: Math.round(this.options.epochMs + f.since * 1000),
    }));
  }

  /** Whether the camera's reference picture has been learned (blur and scene checks need it). */
  get learned(): boolean {
    return this.learner.reference !== undefined;
  }

  private event(t: FaultTransition): EdgeEvent {
    const { edgeId, cameraId, epochMs, model } = this.options;
    const source: EventSource = {
      edgeId,
      cameraId,
      scenario: faultScenario(t.fault),
      type: 'camera_fault',
      model,
      frame: this.frameSize,
      epochMs,
    };
    const event = buildEvent(
      {
        phase: t.phase,
        sequence: t.sequence,
        startedAt: t.startedAt,
        observedAt: t.observedAt,
        ...(t.endedAt === undefined ? {} : { endedAt: t.endedAt }),
        objects: [],
        confidence: t.confidence,
        ...(t.figure ? { counts: { [t.figure.name]: t.figure.value } } : {}),
      },
      source,
    );
    return { ...event, fault: t.fault };
  }
}
