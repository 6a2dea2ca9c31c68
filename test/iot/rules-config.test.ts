import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRulesConfig, parseRulesConfig } from '../../iot/config/load-rules-config.ts';
import { IotError } from '../../iot/errors.ts';
import { fixtureRules } from './helpers.ts';

const failure = (fn: () => unknown): IotError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof IotError) return error;
    throw error;
  }
  throw new Error('expected an IotError');
};

describe('rules config', () => {
  it('the fixture is valid, defaults filled in, and frozen', () => {
    const config = fixtureRules();
    expect(config.rules).toHaveLength(7);
    expect(config.rules[0]).toMatchObject({ minDurationSeconds: 0, updateSeconds: 300 });
    expect(Object.isFrozen(config.rules[0])).toBe(true);
  });

  it('names every problem with its place', () => {
    const error = failure(() =>
      parseRulesConfig({
        nodeId: 'Hub 17',
        rules: [
          { name: 'dust', kind: 'threshold', event: 'dust_exceedance', sensor: 'pm10', high: 100, low: 150 },
          {
            name: 'dust',
            kind: 'geofence',
            event: 'speeding',
            trigger: 'inside',
            area: { name: 'a', polygon: [[113, 22]] },
          },
          { name: 'quiet', kind: 'silence', event: 'device_silent', seconds: 60, secnds: 5 },
          { name: 'x', kind: 'teleport', event: 'speeding' },
          {
            name: 'night',
            kind: 'geofence',
            event: 'muck_truck_off_route',
            trigger: 'outside',
            permittedHours: { from: '22:00', to: '6:00' },
            area: {
              name: 'r',
              corridor: [
                [113, 22],
                [113.1, 22],
              ],
              widthMeters: 50,
            },
          },
        ],
      }),
    );
    expect(error.code).toBe('RULES_CONFIG_INVALID');
    for (const place of [
      'nodeId',
      'rules[0].low',
      'rules[1].area',
      'secnds',
      'rules[3].kind',
      'rules[4].permittedHours.to',
    ]) {
      expect(error.message).toContain(place);
    }
  });

  it('refuses two rules of one name (event ids are made from it)', () => {
    const rule = { name: 'quiet', kind: 'silence', event: 'device_silent', seconds: 60 };
    const error = failure(() => parseRulesConfig({ nodeId: 'hub-17', rules: [rule, rule] }));
    expect(error.message).toContain('"quiet" is used twice');
    expect(error.message).toContain('rules[1].name');
  });

  it('a missing file or bad YAML has its own code and names the file', () => {
    expect(failure(() => loadRulesConfig('/nonexistent/rules.yaml'))).toMatchObject({
      code: 'RULES_CONFIG_NOT_FOUND',
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iot-rules-')), 'rules.yaml');
    fs.writeFileSync(file, 'nodeId: [unclosed\n');
    const error = failure(() => loadRulesConfig(file));
    expect(error.code).toBe('RULES_CONFIG_INVALID');
    expect(error.message).toContain(file);
  });
});
