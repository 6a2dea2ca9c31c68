import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../foundation/contract/events.ts';
import { runEdge } from '../cli/run-cli.ts';
import { CHANGED_CAMERAS } from './change-flight.ts';

const FLIGHTS = 'fixtures/drone/flights';
const CONFIG = 'fixtures/drone/flight.yaml';

describe('edge flight', () => {
  it('prints the events of a flight as JSON lines and reports refusals on stderr', async () => {
    const result = await runEdge(
      `flight ${FLIGHTS}/flight-2026-11-20-change --config ${CONFIG} --no-evidence`,
    );
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toHaveLength(6);
    for (const event of events) expect(parseEvent(event).ok).toBe(true);
    expect(events.map((e) => e.cameraId).sort()).toEqual(CHANGED_CAMERAS);
    expect(result.stderr).toMatch(
      /DJI_0001\.jpg → liwan-aero1 .* inliers of \d+ matches, .*4 structures \(1 permitted\)/,
    );
    expect(result.stderr).toMatch(/2 images \(0 refused\), 6 events/);
  });

  it('exits with the code of what is wrong', async () => {
    const missing = await runEdge(`flight ${FLIGHTS}/none --config ${CONFIG}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/edge: FLIGHT_NOT_FOUND: fixtures\/drone\/flights\/none/);
    const noConfig = await runEdge(`flight ${FLIGHTS} --config nope.yaml`);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toMatch(/edge: FLIGHT_CONFIG_NOT_FOUND: nope\.yaml/);
  });
});
