import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import type { CompiledRule } from './compiled-rule.ts';
import { Episode } from './episode.ts';
import { SlidingWindow, TumblingWindow, type ValueWindow } from './window.ts';

/** One rule's state on one device. */
export interface RuleState {
  readonly compiled: CompiledRule;
  readonly episode: Episode;
  /** Threshold hysteresis: above `high` until below `low`. */
  above: boolean;
  readonly window: ValueWindow | undefined;
  /** Silence: the last matching reading's time. */
  lastSeen: number;
}

/** What the engine keeps per device: where it is, its reading buffer and its rules' states. */
export interface DeviceState {
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

const NO_SITE = { lat: Number.NaN, lon: Number.NaN };

/** A device first heard of, at its configured site (a fixed sensor) if it has one. */
export function newDeviceState(id: string, site: { lat: number; lon: number } = NO_SITE): DeviceState {
  return {
    id,
    plate: undefined,
    lat: site.lat,
    lon: site.lon,
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
}

export function newRuleState(compiled: CompiledRule, lastSeen: number): RuleState {
  const rule = compiled.rule;
  const window =
    rule.kind === 'threshold' && rule.window
      ? rule.window.type === 'tumbling'
        ? new TumblingWindow(rule.window.seconds * 1000, rule.window.aggregate)
        : new SlidingWindow(rule.window.seconds * 1000, rule.window.aggregate)
      : undefined;
  return { compiled, episode: new Episode(compiled.episode), above: false, window, lastSeen };
}

/** Every rule state the device holds. */
export function ruleStatesOf(device: DeviceState): RuleState[] {
  return [
    ...(device.positionStates ?? []).filter((x) => x !== undefined),
    ...[...device.sensorStates.values()].flat(),
    ...device.silenceStates,
  ];
}
