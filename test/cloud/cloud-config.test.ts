import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { FIXTURE_DIR, fixtureConfig } from './support/fixtures.ts';

describe('cloud config', () => {
  it('loads the fixture with defaults and absolute paths, frozen', async () => {
    const config = await fixtureConfig();
    expect(config.places.grids).toBe(path.join(FIXTURE_DIR, 'liwan-grids.geojson'));
    // One instance: a plain subscription, which a broker restores after its restart.
    expect(config.mqtt.group).toBeUndefined();
    expect(Object.isFrozen(config.routing.rules)).toBe(true);
  });

  it('names every field at fault', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-config-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      [
        'places: { grids: g.geojson }',
        'routing:',
        '  rules: [{ category: street_vendng, department: x, level: 5 }]',
        '  fallback: { department: x, level: 1 }',
        '  levels: {}',
        'mqtt: { prot: 5 }',
      ].join('\n'),
    );
    const error = await loadCloudConfig(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    const message = (error as Error).message;
    expect(message).toContain(`${file}: places.cameras:`);
    expect(message).toContain(`${file}: routing.rules[0].category:`);
    expect(message).toContain(`${file}: routing.rules[0].level:`);
    expect(message).toContain(`${file}: routing.levels.1:`);
    expect(message).toContain('prot');
  });
});
