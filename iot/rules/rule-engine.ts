import type { DeviceEvent, EventPhase } from '../../foundation/contract/events.ts';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { buildDeviceEvent } from '../events/device-event-builder.ts';
import { type CompiledRule, compileRule } from './compiled-rule.ts';
import {
  type DeviceState,
  newDeviceState,
  newRuleState,
  type RuleState,
  ruleStatesOf,
} from './device-state.ts';
import {
  endOfJournaled,
  incidentSource,
  type OpenDeviceIncident,
  openIncidentOf,
  restoreDevice,
} from './incident-resume.ts';
import { enqueue, isDuplicate, release } from './reading-buffer.ts';
import { admits, positionActive, silenceMatches } from './rule-conditions.ts';
import type { RulesConfig, SilenceRule } from './rule-schema.ts';

/** What became of a reading handed to the engine. */
/** `duplicate`: the same device, stream and time as a reading already taken (an MQTT QoS 1 redelivery). */
export type IngestOutcome = 'applied' | 'buffered' | 'late' | 'duplicate';

export interface EngineStats {
  devices: number;
  received: number;
  applied: number;
  /** Older than a reading already applied for their device: not applied. */
  late: number;
  duplicates: number;
  events: number;
  /** Event time (ms) up to which every device's readings are final; -Infinity before any. */
  watermark: number;
}

const DAY_MS = 86_400_000;

/**
 * Runs the configured rules over telemetry by event time; the same engine serves an edge hub and
 * the cloud. Pure: time comes only from the readings (and `advance`), events go to `onEvent`.
 *
 * Order: each device's readings are held until its own newest reading is `allowedLatenessSeconds`
 * ahead of them (or `advance` passes them), then applied in time order; a reading older than one
 * already applied for its device is late and not applied; a repeat of one already taken (same
 * device, stream and time: a QoS 1 redelivery) is dropped. The watermark (see the constructor)
 * drives silence: when it reaches a device's
 * deadline, every device's readings up to it are applied first, so silence is judged on all that
 * was said. Devices are kept for the engine's life (a device is watched from its first reading).
 */
export class RuleEngine {
  private readonly rules: CompiledRule[];
  private readonly silenceRules: CompiledRule[];
  private readonly positionRules: CompiledRule[];
  private readonly devices = new Map<string, DeviceState>();
  private readonly silenced: DeviceState[] = [];
  private readonly waiting = new Set<DeviceState>();
  private readonly latenessMs: number;
  private readonly offsetMs: number;
  private watermark = Number.NEGATIVE_INFINITY;
  private nextSilenceDue = Number.POSITIVE_INFINITY;
  private readonly counters = { received: 0, applied: 0, late: 0, duplicates: 0, events: 0 };
  /** Incidents taken up from a journal and not yet carried on by a reading: event time they end at. */
  private readonly resumed = new Map<RuleState, { device: DeviceState; endsAt: number }>();

  private readonly watermarkFromReadings: boolean;
  private readonly applyReading = (device: DeviceState, reading: Telemetry, t: number) =>
    this.apply(device, reading, t);

  /**
   * `watermark`: `readings` (replays, tests: the newest reading anywhere less the lateness moves
   * event time) or `advance` (a live consumer: only `advance`, from the receiver's clock, moves it,
   * so one terminal with a fast clock cannot make every other device look silent).
   */
  constructor(
    private readonly config: RulesConfig,
    private readonly onEvent: (event: DeviceEvent) => void,
    options: { watermark?: 'readings' | 'advance' } = {},
  ) {
    this.watermarkFromReadings = (options.watermark ?? 'readings') === 'readings';
    this.rules = config.rules.map(compileRule);
    this.silenceRules = this.rules.filter((c) => c.rule.kind === 'silence');
    this.positionRules = this.rules.filter((c) => c.rule.kind === 'geofence' || c.rule.kind === 'rate');
    this.latenessMs = config.allowedLatenessSeconds * 1000;
    this.offsetMs = config.utcOffsetMinutes * 60_000;
  }

  /** Hands one validated reading to the engine; `timeMs` is its event time (parsed at the boundary). */
  ingest(reading: Telemetry, timeMs: number = Date.parse(reading.time)): IngestOutcome {
    this.counters.received += 1;
    const device = this.device(reading.deviceId);
    if (timeMs < device.lastApplied) {
      this.counters.late += 1;
      return 'late';
    }
    if (isDuplicate(device, reading, timeMs)) {
      this.counters.duplicates += 1;
      return 'duplicate';
    }
    if (timeMs > device.maxTime) device.maxTime = timeMs;
    const releaseUpTo = device.maxTime - this.latenessMs;
    if (this.latenessMs === 0 && device.head === device.times.length) {
      this.apply(device, reading, timeMs);
    } else {
      this.hold(device, reading, timeMs);
      this.release(device, releaseUpTo);
    }
    const outcome: IngestOutcome = timeMs <= releaseUpTo ? 'applied' : 'buffered';
    if (this.watermarkFromReadings && releaseUpTo > this.watermark) this.watermark = releaseUpTo;
    // Also when the watermark stood still: a device first seen behind it may already be overdue.
    if (this.watermark >= this.nextSilenceDue) this.checkSilence();
    this.checkResumed();
    return outcome;
  }

  /**
   * Declares event time final up to `watermarkMs` (a receiver's clock less the lateness, or the end
   * of a replay): waiting readings up to it are applied and silent devices detected.
   */
  advance(watermarkMs: number): void {
    for (const device of this.waiting) this.release(device, watermarkMs);
    if (watermarkMs > this.watermark) this.watermark = watermarkMs;
    if (this.watermark >= this.nextSilenceDue) this.checkSilence();
    this.checkResumed();
  }

  /** Applies every waiting reading and ends every open incident at `atMs` (shutdown, end of a replay). */
  close(atMs: number): void {
    this.resumed.clear();
    for (const device of this.waiting) this.release(device, Number.POSITIVE_INFINITY);
    for (const device of this.devices.values()) {
      for (const state of ruleStatesOf(device)) this.emit(state.episode.close(atMs), state, device);
    }
  }

  stats(): EngineStats {
    return { devices: this.devices.size, ...this.counters, watermark: this.watermark };
  }

  // --- restarts (see incident-resume.ts) -----------------------------------------------------------

  /** Every open incident, as a journal keeps it. */
  openIncidents(): OpenDeviceIncident[] {
    const { nodeId } = this.config;
    return [...this.devices.values()].flatMap((device) =>
      ruleStatesOf(device).flatMap((state) => openIncidentOf(nodeId, state, device) ?? []),
    );
  }

  /** The open incident of a rule (by name) on a device, if any. */
  openIncident(rule: string, deviceId: string): OpenDeviceIncident | undefined {
    const device = this.devices.get(deviceId);
    const state = device && ruleStatesOf(device).find((s) => s.compiled.rule.name === rule && s.episode.open);
    return state && openIncidentOf(this.config.nodeId, state, device as DeviceState);
  }

  /** Opens again the incidents a journal kept from before a restart; ends those whose rule is gone. */
  resume(incidents: readonly OpenDeviceIncident[]): void {
    const graceMs = this.config.resumeGraceSeconds * 1000;
    for (const incident of incidents) {
      const compiled = this.rules.find((c) => c.rule.name === incident.source.rule);
      const device = this.device(incident.source.deviceId);
      const state =
        compiled && admits(compiled, device.id) ? this.restore(compiled, device, incident) : undefined;
      if (!compiled || !state) {
        this.counters.events += 1;
        this.onEvent(endOfJournaled(incident, incident.episode.lastActiveAt));
        continue;
      }
      const endsAt = incident.episode.lastActiveAt + Math.max(compiled.episode.clearMs, graceMs);
      this.resumed.set(state, { device, endsAt });
    }
    this.checkResumed();
  }

  private restore(compiled: CompiledRule, device: DeviceState, incident: OpenDeviceIncident) {
    restoreDevice(device, incident.source);
    const rule = compiled.rule;
    let state: RuleState | undefined;
    if (rule.kind === 'threshold') {
      const states = device.sensorStates.get(rule.sensor) ?? this.sensorStatesOf(device, rule.sensor);
      state = states.find((s) => s.compiled === compiled);
    } else if (rule.kind === 'silence') {
      state = device.silenceStates.find((s) => s.compiled === compiled);
      if (!state) {
        if (device.silenceStates.length === 0) this.silenced.push(device);
        state = newRuleState(compiled, incident.lastSeen ?? incident.episode.startedAt);
        device.silenceStates.push(state);
      }
      this.nextSilenceDue = Math.min(this.nextSilenceDue, state.lastSeen + rule.seconds * 1000);
    } else {
      const states = device.positionStates ?? this.positionStatesOf(device);
      const k = this.positionRules.indexOf(compiled);
      state = states[k] ?? newRuleState(compiled, Number.NaN);
      states[k] = state;
    }
    if (!state || state.episode.open) return undefined;
    state.episode.restore(incident.episode);
    state.above = incident.above;
    return state;
  }

  /** A reading (or a silence check) reached the state: a resumed incident is carried on by it. */
  private touch(state: RuleState): void {
    if (this.resumed.size > 0) this.resumed.delete(state);
  }

  private checkResumed(): void {
    for (const [state, { device, endsAt }] of this.resumed) {
      if (this.watermark < endsAt) continue;
      this.resumed.delete(state);
      this.emit(state.episode.close(endsAt), state, device);
    }
  }

  // --- ordering ----------------------------------------------------------------------------------

  private device(id: string): DeviceState {
    let device = this.devices.get(id);
    if (!device) {
      device = newDeviceState(id, this.config.sites[id]);
      this.devices.set(id, device);
    }
    return device;
  }

  private hold(device: DeviceState, reading: Telemetry, timeMs: number): void {
    enqueue(device, reading, timeMs);
    this.waiting.add(device);
  }

  private release(device: DeviceState, upTo: number): void {
    if (release(device, upTo, this.applyReading)) this.waiting.delete(device);
  }

  // --- evaluation --------------------------------------------------------------------------------

  private apply(device: DeviceState, reading: Telemetry, t: number): void {
    this.counters.applied += 1;
    if (t !== device.lastApplied) device.appliedAtLast.length = 0;
    device.appliedAtLast.push(reading);
    device.lastApplied = t;
    this.seen(device, reading, t);
    if (reading.type === 'position') {
      device.lat = reading.lat;
      device.lon = reading.lon;
      device.plate = reading.plate;
      device.unit = 'km/h';
      const minute = Math.floor(((((t + this.offsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
      const rules = this.positionRules;
      const states = device.positionStates ?? this.positionStatesOf(device);
      for (let k = 0; k < rules.length; k++) {
        const compiled = rules[k] as CompiledRule;
        if (compiled.devices && !compiled.devices.has(device.id)) continue;
        const active = positionActive(compiled, reading.lat, reading.lon, reading.speedKmh, minute);
        let state = states[k];
        if (!state) {
          if (!active) continue;
          state = newRuleState(compiled, Number.NaN);
          states[k] = state;
        }
        this.touch(state);
        this.emit(state.episode.step(t, active, reading.speedKmh), state, device);
        if (state.episode.idle) states[k] = undefined;
      }
      return;
    }
    if (reading.lat !== undefined && reading.lon !== undefined) {
      device.lat = reading.lat;
      device.lon = reading.lon;
    }
    device.unit = reading.unit;
    const states = device.sensorStates.get(reading.kind) ?? this.sensorStatesOf(device, reading.kind);
    for (let k = 0; k < states.length; k++) {
      const state = states[k] as RuleState;
      const rule = state.compiled.rule;
      if (rule.kind !== 'threshold') continue;
      this.touch(state);
      let value = reading.value;
      let at = t;
      if (state.window) {
        if (!state.window.add(t, value)) continue;
        value = state.window.value;
        at = state.window.at;
      }
      if (!state.above && value > rule.high) state.above = true;
      else if (state.above && value < rule.low) state.above = false;
      this.emit(state.episode.step(at, state.above, value), state, device);
    }
  }

  /** A reading ends its device's silence (the silence lasted until it) and restarts the watch. */
  private seen(device: DeviceState, reading: Telemetry, t: number): void {
    for (const compiled of this.silenceRules) {
      if (!silenceMatches(compiled, reading) || !admits(compiled, device.id)) continue;
      let state: RuleState | undefined;
      for (const s of device.silenceStates) if (s.compiled === compiled) state = s;
      if (!state) {
        // Watched from its first reading: a device never heard of cannot be missed.
        if (device.silenceStates.length === 0) this.silenced.push(device);
        device.silenceStates.push(newRuleState(compiled, t));
        this.nextSilenceDue = Math.min(
          this.nextSilenceDue,
          t + (compiled.rule as SilenceRule).seconds * 1000,
        );
        continue;
      }
      this.touch(state);
      if (state.episode.open) {
        // Never before the silence began (a watermark run ahead of this device's clock).
        const at = Math.max(t, state.episode.startedAt);
        this.emit(state.episode.step(at, true, (at - state.lastSeen) / 1000), state, device);
        this.emit(state.episode.step(at, false, 0), state, device);
      }
      state.lastSeen = t;
    }
  }

  /**
   * Every reading up to the watermark is applied first, so a device is judged on all it said. An
   * open silence reports on a fixed grid of event time (every `updateSeconds` from its start), so
   * the same readings give the same events whatever order they arrived in.
   */
  private checkSilence(): void {
    const w = this.watermark;
    for (const device of this.waiting) this.release(device, w);
    let next = Number.POSITIVE_INFINITY;
    for (const device of this.silenced) {
      for (const state of device.silenceStates) {
        const rule = state.compiled.rule as SilenceRule;
        const limitMs = rule.seconds * 1000;
        const due = state.lastSeen + limitMs;
        if (w < due) {
          if (due < next) next = due;
          continue;
        }
        this.touch(state);
        const updateMs = state.compiled.episode.updateMs;
        const at =
          state.episode.open && updateMs > 0 ? due + Math.floor((w - due) / updateMs) * updateMs : due;
        this.emit(state.episode.step(at, true, (at - state.lastSeen) / 1000), state, device);
        if (updateMs > 0 && at + updateMs < next) next = at + updateMs;
      }
    }
    this.nextSilenceDue = next;
  }

  private positionStatesOf(device: DeviceState): (RuleState | undefined)[] {
    const states = new Array<RuleState | undefined>(this.positionRules.length).fill(undefined);
    device.positionStates = states;
    return states;
  }

  private sensorStatesOf(device: DeviceState, kind: string): RuleState[] {
    const states = this.rules
      .filter((c) => c.rule.kind === 'threshold' && c.rule.sensor === kind && admits(c, device.id))
      .map((c) => newRuleState(c, Number.NaN));
    device.sensorStates.set(kind, states);
    return states;
  }

  private emit(phase: EventPhase | undefined, state: RuleState, device: DeviceState): void {
    if (!phase) return;
    this.counters.events += 1;
    this.onEvent(buildDeviceEvent(phase, state.episode, incidentSource(this.config.nodeId, state, device)));
  }
}
