import type { DeviceEvent, EventPhase } from '../../foundation/contract/events.ts';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { buildDeviceEvent } from '../events/device-event-builder.ts';
import { type CompiledRule, compileRule, inHours } from './compiled-rule.ts';
import { Episode } from './episode.ts';
import type { RulesConfig, SilenceRule } from './rule-schema.ts';
import { SlidingWindow, TumblingWindow, type ValueWindow } from './window.ts';

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

/** One rule's state on one device. */
interface RuleState {
  readonly compiled: CompiledRule;
  readonly episode: Episode;
  /** Threshold hysteresis: above `high` until below `low`. */
  above: boolean;
  readonly window: ValueWindow | undefined;
  /** Silence: the last matching reading's time. */
  lastSeen: number;
}

interface DeviceState {
  readonly id: string;
  plate: string | undefined;
  lat: number;
  lon: number;
  unit: string;
  /** Readings waiting for the allowed lateness to pass, in time order from `head`. */
  times: number[];
  items: Telemetry[];
  head: number;
  maxTime: number;
  lastApplied: number;
  /** The readings applied at `lastApplied` (one per stream: position, each sensor kind). */
  appliedAtLast: Telemetry[];
  /**
   * Geofence and rate states by position-rule index, made only while a rule's condition holds or
   * its incident is open: a truck far from every zone costs one slot per rule, not a state each.
   */
  positionStates: (RuleState | undefined)[] | undefined;
  sensorStates: Map<string, RuleState[]>;
  silenceStates: RuleState[];
}

const EMPTY: readonly (RuleState | undefined)[] = [];
const DAY_MS = 86_400_000;
const NO_SITE = { lat: Number.NaN, lon: Number.NaN };

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

  private readonly watermarkFromReadings: boolean;

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
    if (this.isDuplicate(device, reading, timeMs)) {
      this.counters.duplicates += 1;
      return 'duplicate';
    }
    if (timeMs > device.maxTime) device.maxTime = timeMs;
    const releaseUpTo = device.maxTime - this.latenessMs;
    if (this.latenessMs === 0 && device.head === device.times.length) {
      this.apply(device, reading, timeMs);
    } else {
      this.enqueue(device, reading, timeMs);
      this.release(device, releaseUpTo);
    }
    const outcome: IngestOutcome = timeMs <= releaseUpTo ? 'applied' : 'buffered';
    if (this.watermarkFromReadings && releaseUpTo > this.watermark) this.watermark = releaseUpTo;
    // Also when the watermark stood still: a device first seen behind it may already be overdue.
    if (this.watermark >= this.nextSilenceDue) this.checkSilence();
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
  }

  /** Applies every waiting reading and ends every open incident at `atMs` (shutdown, end of a replay). */
  close(atMs: number): void {
    for (const device of this.waiting) this.release(device, Number.POSITIVE_INFINITY);
    for (const device of this.devices.values()) {
      const all = [
        ...(device.positionStates ?? EMPTY).filter((x) => x !== undefined),
        ...[...device.sensorStates.values()].flat(),
        ...device.silenceStates,
      ];
      for (const state of all) this.emit(state.episode.close(atMs), state, device);
    }
  }

  stats(): EngineStats {
    return { devices: this.devices.size, ...this.counters, watermark: this.watermark };
  }

  // --- ordering ----------------------------------------------------------------------------------

  private device(id: string): DeviceState {
    let device = this.devices.get(id);
    if (!device) {
      device = {
        id,
        plate: undefined,
        ...(this.config.sites[id] ?? NO_SITE),
        unit: '',
        times: [],
        items: [],
        head: 0,
        maxTime: Number.NEGATIVE_INFINITY,
        lastApplied: Number.NEGATIVE_INFINITY,
        appliedAtLast: [],
        positionStates: undefined,
        sensorStates: new Map(),
        silenceStates: [],
      };
      this.devices.set(id, device);
    }
    return device;
  }

  private isDuplicate(device: DeviceState, reading: Telemetry, timeMs: number): boolean {
    if (timeMs === device.lastApplied) {
      for (const seen of device.appliedAtLast) if (sameStream(seen, reading)) return true;
    }
    const { times, items } = device;
    for (let k = times.length - 1; k >= device.head && (times[k] as number) >= timeMs; k--) {
      if (times[k] === timeMs && sameStream(items[k] as Telemetry, reading)) return true;
    }
    return false;
  }

  private enqueue(device: DeviceState, reading: Telemetry, timeMs: number): void {
    const { times, items } = device;
    let k = times.length;
    times.push(timeMs);
    items.push(reading);
    // Usually in order already: shift back only past newer readings.
    while (k > device.head && (times[k - 1] as number) > timeMs) {
      times[k] = times[k - 1] as number;
      items[k] = items[k - 1] as Telemetry;
      k -= 1;
    }
    times[k] = timeMs;
    items[k] = reading;
    this.waiting.add(device);
  }

  private release(device: DeviceState, upTo: number): void {
    const { times, items } = device;
    while (device.head < times.length && (times[device.head] as number) <= upTo) {
      const k = device.head++;
      this.apply(device, items[k] as Telemetry, times[k] as number);
    }
    if (device.head === times.length) {
      times.length = 0;
      items.length = 0;
      device.head = 0;
      this.waiting.delete(device);
    } else if (device.head > 64 && device.head * 2 > times.length) {
      times.splice(0, device.head);
      items.splice(0, device.head);
      device.head = 0;
    }
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
        const active = this.positionActive(compiled, reading.lat, reading.lon, reading.speedKmh, minute);
        let state = states[k];
        if (!state) {
          if (!active) continue;
          state = newState(compiled, Number.NaN);
          states[k] = state;
        }
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

  private positionActive(c: CompiledRule, lat: number, lon: number, speed: number, minute: number): boolean {
    const rule = c.rule;
    if (rule.kind === 'rate') return speed > rule.maxSpeedKmh && (!c.area || c.area.contains(lon, lat));
    if (rule.kind !== 'geofence') return false;
    if (c.activeHours && !inHours(minute, c.activeHours)) return false;
    if (rule.maxSpeedKmh !== undefined && speed > rule.maxSpeedKmh) return false;
    const inside = (c.area as NonNullable<CompiledRule['area']>).contains(lon, lat);
    const offHours = c.permittedHours !== undefined && !inHours(minute, c.permittedHours);
    return (rule.trigger === 'inside' ? inside : !inside) || offHours;
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
        device.silenceStates.push(newState(compiled, t));
        this.nextSilenceDue = Math.min(
          this.nextSilenceDue,
          t + (compiled.rule as SilenceRule).seconds * 1000,
        );
        continue;
      }
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
      .map((c) => newState(c, Number.NaN));
    device.sensorStates.set(kind, states);
    return states;
  }

  private emit(phase: EventPhase | undefined, state: RuleState, device: DeviceState): void {
    if (!phase) return;
    const rule = state.compiled.rule;
    this.counters.events += 1;
    this.onEvent(
      buildDeviceEvent(phase, state.episode, {
        nodeId: this.config.nodeId,
        rule: rule.name,
        type: rule.event,
        deviceId: device.id,
        plate: device.plate,
        zone: state.compiled.areaName,
        lat: device.lat,
        lon: device.lon,
        ...metricOf(state.compiled, device),
      }),
    );
  }
}

function newState(compiled: CompiledRule, lastSeen: number): RuleState {
  const rule = compiled.rule;
  const window =
    rule.kind === 'threshold' && rule.window
      ? rule.window.type === 'tumbling'
        ? new TumblingWindow(rule.window.seconds * 1000, rule.window.aggregate)
        : new SlidingWindow(rule.window.seconds * 1000, rule.window.aggregate)
      : undefined;
  return { compiled, episode: new Episode(compiled.episode), above: false, window, lastSeen };
}

function admits(c: CompiledRule, deviceId: string): boolean {
  return !c.devices || c.devices.has(deviceId);
}

function sameStream(a: Telemetry, b: Telemetry): boolean {
  if (a.type === 'position') return b.type === 'position';
  return b.type === 'sensor' && a.kind === b.kind;
}

function silenceMatches(c: CompiledRule, reading: Telemetry): boolean {
  const rule = c.rule;
  if (rule.kind !== 'silence') return false;
  if (rule.reports === 'any') return true;
  if (rule.reports !== reading.type) return false;
  return reading.type === 'position' || rule.sensor === undefined || rule.sensor === reading.kind;
}

function metricOf(
  c: CompiledRule,
  device: DeviceState,
): { metric: string; unit: string; limit: number | undefined } {
  const rule = c.rule;
  switch (rule.kind) {
    case 'threshold':
      return { metric: rule.sensor, unit: device.unit, limit: rule.high };
    case 'rate':
      return { metric: 'speed_kmh', unit: 'km/h', limit: rule.maxSpeedKmh };
    case 'geofence':
      return { metric: 'speed_kmh', unit: 'km/h', limit: undefined };
    case 'silence':
      return { metric: 'silent_seconds', unit: 's', limit: rule.seconds };
  }
}
