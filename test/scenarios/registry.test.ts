import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import {
  SCENARIO_TYPES,
  scenarioBehaviour,
  scenarioClassifiers,
  scenarioName,
} from '../../edge/scenarios/registry.ts';
import { EventTypeSchema } from '../../foundation/contract/events.ts';

const CONFIG = `
edgeId: e
models:
  detector: { manifest: nanodet-g-416 }
  covers: { manifest: ./covers.json }
cameras:
  - id: c
    source: { url: rtsp://cam/c }
    zones:
      - { name: road, points: [[0, 0], [1, 0], [1, 1]] }
    scenarios:
      - { type: street_vending, zone: road }
      - { type: muck_truck, zone: road, classifier: covers }
      - { type: loitering, name: lingering, zone: road, labels: [person], minDwellSeconds: 60 }
      - { type: parking, zone: road, maxSeconds: 300 }
      - { type: line_crossing, name: kerb, line: [[0, 0.5], [1, 0.5]], labels: [person] }
      - { type: gathering, zone: road }
      - { type: occupation, zone: road }
`;

describe('the scenario registry', () => {
  const scenarios = parseEdgeConfig(CONFIG, 'edge.yaml').cameras[0]?.scenarios ?? [];

  it('knows every type once, in the order errors list them', () => {
    expect(SCENARIO_TYPES).toEqual([
      'street_vending',
      'muck_truck',
      'loitering',
      'parking',
      'line_crossing',
      'gathering',
      'occupation',
    ]);
    expect(scenarios.map((s) => s.type)).toEqual(SCENARIO_TYPES);
  });

  it('gives each type an event type of the contract, and the zone or line its events carry', () => {
    expect(scenarios.map((s) => scenarioBehaviour(s).eventType)).toEqual([
      'street_vending',
      'muck_truck_uncovered',
      'loitering',
      'parking',
      'line_crossing',
      'gathering',
      'occupation',
    ]);
    for (const s of scenarios) expect(EventTypeSchema.options).toContain(scenarioBehaviour(s).eventType);
    expect(scenarios.map((s) => scenarioBehaviour(s).watches(s))).toEqual([
      'road',
      'road',
      'road',
      'road',
      'kerb',
      'road',
      'road',
    ]);
  });

  it('lists the classifiers a scenario runs, which the model registry loads', () => {
    expect(scenarios.map(scenarioClassifiers)).toEqual([[], ['covers'], [], [], [], [], []]);
  });

  it('names a scenario by its own name, else <type>_<zone>', () => {
    expect(scenarios.map(scenarioName)).toEqual([
      'street_vending_road',
      'muck_truck_road',
      'lingering',
      'parking_road',
      'kerb',
      'gathering_road',
      'occupation_road',
    ]);
  });
});
