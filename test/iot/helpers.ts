import path from 'node:path';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { loadRulesConfig, parseRulesConfig } from '../../iot/config/load-rules-config.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import type { RulesConfig } from '../../iot/rules/rule-schema.ts';
import { demoTelemetry } from '../../iot/simulator/demo-scenario.ts';
import { simulateVehicle, type VehicleSpec } from '../../iot/simulator/simulate.ts';

export const FIXTURE_RULES = path.resolve(import.meta.dirname, '../../fixtures/iot/panyu-rules.yaml');
export const fixtureRules = (): Readonly<RulesConfig> => loadRulesConfig(FIXTURE_RULES);

/** 2026-11-21 08:00 in Guangzhou (UTC+8). */
export const T0 = Date.parse('2026-11-21T08:00:00+08:00');

/** A rules config from literal test rules (validated here, so a mistake in a test fails loudly). */
export function rules(input: { rules: readonly unknown[] } & Record<string, unknown>): Readonly<RulesConfig> {
  return parseRulesConfig({ nodeId: 'test-node', allowedLatenessSeconds: 0, ...input });
}

/** Runs readings through a fresh engine in the given order, then advances past them all. */
export function run(config: RulesConfig, readings: readonly Telemetry[], options: { close?: boolean } = {}) {
  const events: DeviceEvent[] = [];
  const engine = new RuleEngine(config, (e) => events.push(e));
  const outcomes = readings.map((r) => engine.ingest(r));
  const last = Math.max(...readings.map((r) => Date.parse(r.time)));
  engine.advance(last);
  if (options.close) engine.close(last);
  return { events, outcomes, engine };
}

/** "rule/device phase" lines: what an operator would see in the event list. */
export const summary = (events: readonly DeviceEvent[]) =>
  events.map((e) => `${e.rule}/${e.deviceId} ${e.phase}`);

/** The events the fixture rules raise on one device's readings of the demo scenario. */
export const demoEventsOf = (deviceId: string): DeviceEvent[] =>
  run(
    fixtureRules(),
    demoTelemetry(T0).filter((r) => r.deviceId === deviceId),
  ).events;

/** Readings of truck-a (plate 粤AD1234) driving from T0 as `spec` says. */
export const truckA = (spec: Omit<VehicleSpec, 'deviceId' | 'plate' | 'startMs'> & { startMs?: number }) =>
  simulateVehicle({ deviceId: 'truck-a', plate: '粤AD1234', startMs: T0, ...spec });
