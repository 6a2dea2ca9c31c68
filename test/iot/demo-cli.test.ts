import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isDeviceEvent, parseIncidentMessage } from '../../foundation/contract/events.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('iot demo (simulated telemetry through the shared mosquitto)', () => {
  it('prints every incident of the scenario as contract events, and the camera event with its truck', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'apps/iot/main.ts', 'demo', '--speed', 'max'],
      { cwd: root, timeout: 90_000 },
    );
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => parseIncidentMessage(JSON.parse(line)));
    expect(events.every((e) => e.ok)).toBe(true);
    const parsed = events.flatMap((e) => (e.ok ? [e.event] : []));
    const devices = parsed.filter(isDeviceEvent);
    const starts = devices.filter((e) => e.phase === 'start').map((e) => `${e.type} ${e.deviceId}`);
    expect(starts.sort()).toEqual([
      'device_silent dust-site-2',
      'dust_exceedance dust-site-1',
      'illegal_dumping truck-c',
      'muck_truck_no_go truck-a',
      'muck_truck_off_route truck-routed-1',
      'speeding truck-b',
    ]);
    expect(devices.filter((e) => e.phase === 'end')).toHaveLength(starts.length);
    const camera = parsed.at(-1);
    expect(camera && !isDeviceEvent(camera) && camera.vehicles?.[0]).toMatchObject({
      plate: '粤AF5678',
      cover: 'confirms',
    });
    expect(stderr).toContain('dead letter TELEMETRY_NOT_JSON');
  });
});
