import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openDatabase } from '../../cloud/db/open-database.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { createCloudCore } from '../../cloud/services/cloud-core.ts';
import { LabelService } from '../../cloud/services/label-service.ts';
import { runCli } from '../cli/run-cli.ts';
import { backendNamed } from './support/databases.ts';
import { FIXTURE_CONFIG, FIXTURE_DIR, fixtureConfig, fixturePlaces } from './support/fixtures.ts';
import { publishSnapshot, storeFrame } from './support/labelled-snapshots.ts';

const CVAT = path.resolve('fixtures/datasets/cvat-coco/annotations/instances_default.json');

/** `npm run cloud -- dataset …` as a user runs it, on a PostgreSQL database and a disk evidence store. */
describe('npm run cloud -- dataset export / import (PostgreSQL)', () => {
  let tmp: string;
  let config: string;
  let dropDatabase: () => Promise<void>;
  let sha0099: string;
  const cloud = (...args: string[]) => runCli('apps/cloud/main.ts', ['dataset', ...args, '--config', config]);

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'labels-cli-'));
    const database = await backendNamed('postgres').create();
    dropDatabase = database.dispose;
    const yaml = parse(await readFile(FIXTURE_CONFIG, 'utf8'));
    yaml.database = { url: database.url };
    yaml.evidence = { dir: path.join(tmp, 'evidence') };
    yaml.places = {
      grids: path.join(FIXTURE_DIR, 'liwan-grids.geojson'),
      cameras: path.join(FIXTURE_DIR, 'cameras.yaml'),
    };
    config = path.join(tmp, 'cloud.yaml');
    await writeFile(config, stringify(yaml));

    const db = await openDatabase({ url: database.url });
    const core = createCloudCore(openCloudStore(db), await fixtureConfig(), await fixturePlaces());
    const evidence = await DiskEvidenceStore.open(path.join(tmp, 'evidence'));
    const snapshot = await storeFrame(evidence, 'vtest-0099.jpg');
    sha0099 = snapshot.sha256;
    const three: [string, [number, number, number, number]][] = [
      ['person', [0.1, 0.4, 0.2, 0.8]],
      ['person', [0.5, 0.3, 0.6, 0.5]],
      ['umbrella', [0.7, 0.6, 0.72, 0.65]],
    ];
    const startedAt = new Date(Date.now() - 3_600_000).toISOString();
    await publishSnapshot(core, { cameraId: 'ln-market', key: 'cli', startedAt, snapshot, objects: three });
    const cvatImage = await storeFrame(evidence, 'vtest-0165.jpg');
    await publishSnapshot(core, {
      cameraId: 'ln-school',
      key: 'cvat',
      startedAt,
      snapshot: cvatImage,
      objects: three,
    });
    const labels = new LabelService(core.store, core.tickets);
    const ticketId = (await labels.snapshotEvent(sha0099))?.ticketId as number;
    await labels.save(
      { name: 'operator', role: 'operator' },
      ticketId,
      sha0099,
      {
        baseRevision: 0,
        objects: [
          { index: 0, verdict: 'right' },
          { index: 2, verdict: 'not_object' },
        ],
        drawn: [{ box: [0.3, 0.3, 0.35, 0.5], label: 'person' }],
      },
      new Date(),
    );
    await db.close();
  });
  afterAll(async () => {
    await dropDatabase?.();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('export writes the dataset and prints its counts', async () => {
    const out = path.join(tmp, 'dataset');
    const result = await cloud('export', '--out', out, '--val-fraction', '0');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      images: { train: 1, val: 0 },
      annotations: { train: 2, val: 0 },
      rejected: { train: 1, val: 0 },
      unjudgedBoxes: 1,
      categories: ['person'],
    });
    const coco = JSON.parse(await readFile(path.join(out, 'annotations', 'instances_train.json'), 'utf8'));
    expect(coco.images[0]).toMatchObject({ file_name: `${sha0099}.jpg`, width: 768, height: 576 });
    const again = await cloud('export', '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`DATASET_OUT_NOT_EMPTY: ${out}`);
  });

  it('import reads a CVAT file and prints what it did; bad arguments are named', async () => {
    const result = await cloud('import', '--file', CVAT, '--map', 'Umbrella=umbrella', '--by', 'cvat-team');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcomes.created).toHaveLength(1);
    expect(report.unmatched).toHaveLength(1);
    const badMap = await cloud('import', '--file', CVAT, '--map', 'nothing');
    expect(badMap.code).toBe(1);
    expect(badMap.stderr).toContain('THEIR=OURS');
    const missing = await cloud('import', '--file', path.join(tmp, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DATASET_FILE_INVALID');
  });
});
