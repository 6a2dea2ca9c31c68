import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudTelemetry } from '../../apps/cloud/cloud-telemetry.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { FIXTURE_CONFIG } from './support/fixtures.ts';

const pglite = backends.find((b) => b.name === 'pglite');

describe("the cloud config's iot section", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-iot-config-'));
  const withIot = (iot: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    const fixture = fs
      .readFileSync(FIXTURE_CONFIG, 'utf8')
      .replaceAll(': liwan-grids', `: ${path.resolve('fixtures/cloud')}/liwan-grids`)
      .replaceAll(': cameras.yaml', `: ${path.resolve('fixtures/cloud')}/cameras.yaml`);
    fs.writeFileSync(file, `${fixture}\niot: ${iot}\n`);
    return loadCloudConfig(file);
  };
  let opened: Awaited<ReturnType<typeof openCore>>;
  beforeAll(async () => {
    if (!pglite) throw new Error('no pglite backend');
    opened = await openCore(pglite);
  });
  afterAll(async () => opened?.dispose());

  it('takes the rules file from the config folder, with defaults for the candidate search', async () => {
    const config = await withIot('{ rules: rules/iot.yaml }');
    expect(config.iot).toEqual({
      rules: path.join(dir, 'rules/iot.yaml'),
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
  });

  it('names what is wrong: a misspelt field, a missing rules file, an invalid one', async () => {
    await expect(withIot('{ rules: r.yaml, radiusMetres: 100 }')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('radiusMetres'),
    });
    const missing = await withIot('{ rules: nowhere.yaml }');
    const start = (config: typeof missing) =>
      startCloudTelemetry({ config, mqttUrl: 'mqtt://127.0.0.1:1', protocolVersion: 5, core: opened.core });
    await expect(start(missing)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: expect.stringContaining(`iot.rules: ${path.join(dir, 'nowhere.yaml')}`),
    });
    fs.writeFileSync(path.join(dir, 'empty.yaml'), 'nodeId: liwan-cloud\nrules: []\n');
    await expect(start(await withIot('{ rules: empty.yaml }'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('rules'),
    });
  });

  it('says so when the broker cannot be reached', async () => {
    const config = await withIot(`{ rules: ${path.resolve('fixtures/cloud/iot-rules.yaml')} }`);
    await expect(
      startCloudTelemetry({ config, mqttUrl: 'mqtt://127.0.0.1:1', protocolVersion: 5, core: opened.core }),
    ).rejects.toMatchObject({
      code: 'BROKER_UNREACHABLE',
      message: expect.stringContaining('mqtt://127.0.0.1:1'),
    });
  });

  it('starts nothing without it', async () => {
    const telemetry = await startCloudTelemetry({
      config: opened.core.config,
      mqttUrl: 'mqtt://127.0.0.1:1',
      protocolVersion: 5,
      core: opened.core,
    });
    expect(telemetry.consumer).toBeUndefined();
    await telemetry.stop();
  });
});
