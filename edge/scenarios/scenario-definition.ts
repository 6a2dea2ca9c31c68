import type { z } from 'zod';
import type { EventType } from '../../foundation/contract/events.ts';
import type { OccupationSource } from '../background/occupation-source.ts';
import type { PlateReaderSettings, ReadPlate } from '../plates/plate-reader.ts';
import type { ClassifyCrop, ScenarioRule } from '../rules/scenario-rule.ts';
import type { PresenceOptions, TrackedInput } from '../rules/zone-presence.ts';

/** What a scenario's rule is built from besides its own config: the camera, resolved to the analysed frame. */
export interface RuleContext {
  /** The analysed frame's size in pixels; rules work in its pixels. */
  width: number;
  height: number;
  /** Whether a tracked object counts as in the camera's zone of that name (its filters applied). */
  inZone(zone: string): (object: TrackedInput) => boolean;
  /** How a zone rule follows its occupants; `stationaryRadius` is a fraction of the frame's diagonal. */
  presence(stationaryRadius: number): PresenceOptions;
  /** A classifier by its alias under `models`. */
  classifier(alias: string): ClassifyCrop;
  /**
   * A plate reader over the OCR models of these aliases under `models`, looking in that part of a
   * vehicle's box; absent where no OCR models were loaded (a context built for a test).
   */
  plateReader?(settings: PlateReaderSettings): ReadPlate;
  /** Whether a point (analysed frame's pixels) is inside the zone's outline; its filters are not applied. */
  zoneContains(zone: string): (x: number, y: number) => boolean;
  /**
   * The camera's background model (created on first call, then shared by every scenario of the
   * camera): the regions of the street that changed and stayed, whatever the object is.
   */
  occupation(): OccupationSource;
}

/** The settings every scenario type has (the lifecycle's), whatever else its config holds. */
export interface ScenarioConfigBase {
  type: string;
  name?: string | undefined;
  clearSeconds: number;
  minUpdateSeconds: number;
}

/** What the edge does with one scenario type, given a config of that type. */
export interface ScenarioBehaviour<Config extends ScenarioConfigBase> {
  /** The `type` its events carry. */
  eventType: EventType;
  /** The zone (or line) the scenario watches; its events carry it. */
  watches(config: Config): string;
  /** Its fields that name a classifier (an alias under `models`); the config checks they exist. */
  classifierFields?: readonly (keyof Config & string)[];
  /** The aliases (under `models`) of the OCR models it reads plates with: text detector, recogniser. */
  plateModels?(config: Config): readonly string[];
  /** Its rule for one camera. */
  buildRule(config: Config, context: RuleContext): ScenarioRule;
}

/**
 * One scenario type: its config schema (a strict object whose `type` is the literal this
 * definition registers) and what the edge does with such a config.
 */
export interface ScenarioDefinition<Schema extends z.ZodType<ScenarioConfigBase>>
  extends ScenarioBehaviour<z.output<Schema>> {
  type: z.output<Schema>['type'];
  schema: Schema;
}
