import { z } from 'zod';
import { Id } from '../schema/config-fields.ts';

/** The config fields scenario types share. */

export const Seconds = z.number().positive();
export const ZoneRef = z.string().min(1);
/** Unique per camera; events carry it. Absent: `<type>_<zone>` (see scenarioName). */
export const ScenarioName = Id.optional();

/** How an incident is reported: when it ends, and how often it may be updated. */
export function incidentTiming(clearSecondsDefault: number) {
  return {
    /** How long the condition must stay false before the incident is ended. */
    clearSeconds: Seconds.default(clearSecondsDefault),
    /** Updates (sent only on a material change: more objects, a clearly better frame) come at most this often. */
    minUpdateSeconds: Seconds.default(10),
  };
}

/**
 * An object counts as stationary while its feet stay within this distance of where it settled,
 * as a fraction of the frame's diagonal.
 */
export const StationaryRadius = z.number().positive().max(1).default(0.02);
