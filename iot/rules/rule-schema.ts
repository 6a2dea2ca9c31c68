import { z } from 'zod';
import { DeviceEventTypeSchema } from '../../foundation/contract/events.ts';
import { DeviceIdSchema } from '../../foundation/contract/telemetry.ts';
import { AreaSchema } from '../../foundation/geometry/lon-lat-area-config.ts';
import { HoursSchema } from '../../foundation/util/local-hours.ts';

/**
 * The rules config (YAML): which rules run over which devices' telemetry, on an edge hub or in the
 * cloud (the same file serves both). Validated once at start and frozen.
 *
 * Conventions: every object is strict (a misspelt field is an error); coordinates are WGS-84
 * [lon, lat] pairs (GeoJSON order), as the terminals report; times are seconds; hours are local
 * times "HH:MM" at `utcOffsetMinutes` (China: +480) and may wrap midnight ("22:00"–"06:00").
 */

/** Ids that end up in event ids and topics. Rule names are short so an event id fits 200 characters. */
const NodeId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-"');
const RuleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, "_" and "-", at most 40');

export const WindowSchema = z.strictObject({
  /** tumbling: one value per fixed slot, at its end; sliding: a value per reading over the last `seconds`. */
  type: z.enum(['tumbling', 'sliding']),
  seconds: z.number().positive(),
  aggregate: z.enum(['mean', 'max', 'min']).default('mean'),
});

const common = {
  name: RuleName,
  /** The device event type its incidents carry. */
  event: DeviceEventTypeSchema,
  /** Only these devices; absent: every device the rule's kind applies to. */
  devices: z.array(DeviceIdSchema).min(1).optional(),
  /** The condition must hold this long, without a break, before an incident starts. */
  minDurationSeconds: z.number().nonnegative().default(0),
  /** The condition must be false this long before the incident ends. */
  clearSeconds: z.number().nonnegative().default(0),
  /** An open incident reports its running summary at most this often (0: no updates). */
  updateSeconds: z.number().nonnegative().default(300),
};

/** A sensor's value (or its window's aggregate) above `high` starts; it stops only below `low`. */
export const ThresholdRuleSchema = z
  .strictObject({
    kind: z.literal('threshold'),
    ...common,
    /** The sensor kind it reads (pm10, noise, …). */
    sensor: z.string().min(1),
    high: z.number(),
    /** Hysteresis: once above `high`, the condition holds until the value falls below `low`. */
    low: z.number(),
    window: WindowSchema.optional(),
  })
  .refine((r) => r.low <= r.high, { path: ['low'], message: 'must be at most high' });

/**
 * A vehicle inside (no-go area, dumping spot) or outside (permitted route) an area. `activeHours`:
 * the rule applies only then (a no-go area by day); `permittedHours`: outside them driving anywhere
 * is a violation (muck trucks run at night); `maxSpeedKmh`: only standing or crawling counts (a
 * truck dwelling at a spot, with `minDurationSeconds` as the dwell).
 */
export const GeofenceRuleSchema = z.strictObject({
  kind: z.literal('geofence'),
  ...common,
  area: AreaSchema,
  trigger: z.enum(['inside', 'outside']),
  activeHours: HoursSchema.optional(),
  permittedHours: HoursSchema.optional(),
  maxSpeedKmh: z.number().nonnegative().optional(),
});

/** Speed above the limit (inside an area, when given) for `minDurationSeconds`. */
export const RateRuleSchema = z.strictObject({
  kind: z.literal('rate'),
  ...common,
  maxSpeedKmh: z.number().positive(),
  area: AreaSchema.optional(),
});

/** No reading from a device for `seconds` of event time (by the watermark). Watched from its first reading. */
export const SilenceRuleSchema = z.strictObject({
  kind: z.literal('silence'),
  ...common,
  seconds: z.number().positive(),
  /** Which devices: vehicles, sensors (of `sensor` kind when given), or any. */
  reports: z.enum(['position', 'sensor', 'any']).default('any'),
  sensor: z.string().min(1).optional(),
});

export const RuleSchema = z.discriminatedUnion('kind', [
  ThresholdRuleSchema,
  GeofenceRuleSchema,
  RateRuleSchema,
  SilenceRuleSchema,
]);

export const RulesConfigSchema = z
  .strictObject({
    /** The node running these rules (an edge hub's id, or a cloud rule node's): in event ids and topics. */
    nodeId: NodeId,
    /** Readings up to this much older than their device's newest are still applied in order. */
    allowedLatenessSeconds: z.number().nonnegative().default(30),
    /** Readings stamped further ahead of the receiver's clock are refused (a terminal with a bad clock). */
    maxFutureSeconds: z.number().positive().default(300),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
    /**
     * After a crash, how long (event time after its condition last held; at least the rule's own
     * clearSeconds) an incident found open in the journal waits for a reading of its device to carry
     * it on before it is ended (iot/rules/incident-resume.ts).
     */
    resumeGraceSeconds: z.number().nonnegative().default(300),
    /** Where fixed sensors stand, for their events' location when they do not report it. */
    sites: z.record(DeviceIdSchema, z.strictObject({ lat: z.number(), lon: z.number() })).default({}),
    rules: z.array(RuleSchema).min(1),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.rules.forEach((rule, k) => {
      if (seen.has(rule.name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', k, 'name'], message: `"${rule.name}" is used twice` });
      }
      seen.add(rule.name);
    });
  });

export type Rule = z.infer<typeof RuleSchema>;
export type SilenceRule = z.infer<typeof SilenceRuleSchema>;
export type RulesConfig = z.infer<typeof RulesConfigSchema>;
