import { compileArea } from '../../foundation/geometry/lon-lat-area-config.ts';
import type { Area } from '../../foundation/geometry/lon-lat-areas.ts';
import type { EpisodeOptions } from './episode.ts';
import type { Rule } from './rule-schema.ts';

/** A rule made ready for per-reading use: areas projected, hours in minutes, times in ms. */
export interface CompiledRule {
  readonly rule: Rule;
  readonly episode: EpisodeOptions;
  readonly area: Area | undefined;
  readonly areaName: string | undefined;
  /** Only these devices; undefined: all. */
  readonly devices: ReadonlySet<string> | undefined;
  /** [from, to) in minutes of the local day; from > to wraps midnight. */
  readonly activeHours: readonly [number, number] | undefined;
  readonly permittedHours: readonly [number, number] | undefined;
}

const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

export function compileRule(rule: Rule): CompiledRule {
  const area = 'area' in rule && rule.area ? rule.area : undefined;
  const hours = (h: { from: string; to: string } | undefined) =>
    h ? ([minutes(h.from), minutes(h.to)] as const) : undefined;
  return {
    rule,
    episode: {
      minDurationMs: rule.minDurationSeconds * 1000,
      clearMs: rule.clearSeconds * 1000,
      updateMs: rule.updateSeconds * 1000,
    },
    area: area ? compileArea(area) : undefined,
    areaName: area?.name,
    devices: rule.devices ? new Set(rule.devices) : undefined,
    activeHours: rule.kind === 'geofence' ? hours(rule.activeHours) : undefined,
    permittedHours: rule.kind === 'geofence' ? hours(rule.permittedHours) : undefined,
  };
}

/** Whether a minute of the day falls in [from, to), wrapping midnight when from > to. */
export function inHours(minuteOfDay: number, hours: readonly [number, number]): boolean {
  const [from, to] = hours;
  return from < to ? minuteOfDay >= from && minuteOfDay < to : minuteOfDay >= from || minuteOfDay < to;
}
