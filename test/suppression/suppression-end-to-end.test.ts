import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraSuppression } from '../../cloud/suppression/suppression-schema.ts';
import type { EdgeConfig } from '../../edge/config/edge-config-schema.ts';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { cameraFilters } from '../../edge/pipeline/build-camera-pipeline.ts';
import { applyDetectionFilters } from '../../edge/pipeline/detection-filter.ts';
import { StillDetector } from '../../edge/replay/still-detector.ts';
import { ModelRegistry } from '../../edge/runtime/model-registry.ts';
import { LearnedRegions } from '../../edge/suppress/learned-regions.ts';
import { openLearnedRegions } from '../../edge/suppress/open-learned-regions.ts';
import { SuppressionSync } from '../../edge/suppress/suppression-sync.ts';
import { backends } from '../cloud/support/databases.ts';
import { openServer } from '../cloud/support/server.ts';
import { rejectFirstObject } from './rejections.ts';

// The vtest fixture's detector sees a "bird" at 0.44-0.49 on the lawn, bottom left, in every frame
// (a static false positive). An operator rejects it on three snapshots; the edge fetches what the
// cloud learned and drops it from then on, while the people walking on the road stay.
const FRAMES = ['vtest-0000.jpg', 'vtest-0099.jpg', 'vtest-0297.jpg'];
const EPOCH = Date.parse('2026-11-21T05:00:00Z');

function vtestConfig(dataDir: string, suppression = true): Readonly<EdgeConfig> {
  const text = `edgeId: lingnan-hub
dataDir: ${dataDir}
models: { detector: { manifest: nanodet-g-416 } }
cameras:
  - id: ln-market
    source: { url: ${path.resolve('fixtures/video/vtest.mp4')} }
    fps: 5
    suppression: { enabled: ${suppression} }
`;
  return parseEdgeConfig(text, 'vtest-suppression.yaml');
}

const labelsOf = (list: readonly Detection[], label: string) => list.filter((d) => d.label === label);

describe('operators reject a false positive three times, and the edge stops seeing it', () => {
  let s: Awaited<ReturnType<typeof openServer>>;
  let dataDir: string;
  let base: string;
  let models: ModelRegistry;
  const backend = backends[0];
  if (!backend) throw new Error('no database backend');

  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
    base = await s.app.listen({ host: '127.0.0.1', port: 0 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'suppression-e2e-'));
    models = await ModelRegistry.load(vtestConfig(dataDir), { threads: 1 });
  }, 60_000);
  afterAll(async () => {
    await models?.dispose();
    await s?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('learns a region from verdicts saved through the API, fetched and stored by the edge, applied on the video', async () => {
    // What the camera detects on three stills: the bird, rejected as "not an object" on each.
    const detector = await StillDetector.load(vtestConfig(dataDir), 'ln-market', {
      suppression: new LearnedRegions(),
    });
    try {
      for (const [i, frame] of FRAMES.entries()) {
        const { width, height, detections } = await detector.detect(path.resolve('fixtures/frames', frame));
        const [bird] = labelsOf(detections, 'bird');
        if (!bird) throw new Error(`no bird on ${frame}`);
        const [x1, y1, x2, y2] = bird.box;
        await rejectFirstObject(s.app, s.core, s.as('operator'), {
          cameraId: 'ln-market',
          key: `bird-${i}`,
          startedAt: new Date(Date.parse('2026-11-21T01:00:00Z') + i * 3_600_000).toISOString(),
          snapshot: { sha256: String(i + 1).padStart(64, 'd'), size: 1000 },
          objects: [['bird', [x1 / width, y1 / height, x2 / width, y2 / height]]],
        });
      }
    } finally {
      await detector.dispose();
    }

    // The edge fetches its regions with its own token and keeps them under its data folder.
    const config = vtestConfig(dataDir);
    const stored = await openLearnedRegions(config.dataDir, (m) => {
      throw new Error(m);
    });
    const sync = new SuppressionSync({
      edgeId: 'lingnan-hub',
      uploadUrl: `${base}/api/v1/evidence`,
      token: 'lingnan-hub-token',
      file: stored.file,
      regions: stored.regions,
      intervalMs: 60_000,
      onWarning: (m) => {
        throw new Error(m);
      },
    });
    await sync.trigger();
    expect(existsSync(path.join(dataDir, 'learned', 'suppression.json'))).toBe(true);
    const file = JSON.parse(await readFile(stored.file, 'utf8'));
    expect(file.regions).toMatchObject([{ label: 'bird', cameraId: 'ln-market', rejections: 3 }]);

    // The camera's detection stage on the first seconds of the video, with and without them.
    const camera = config.cameras[0];
    if (!camera) throw new Error('no camera');
    const { width, height } = models.frameSize(camera);
    const cameraModels = models.forCamera(camera);
    const options = { edgeId: config.edgeId, camera, frameWidth: width, frameHeight: height, epochMs: EPOCH };
    const filters = cameraFilters({ ...options, models: cameraModels, suppression: stored.regions });
    expect(filters.map((f) => f.name)).toEqual(['suppression']);
    const totals = { birdsBefore: 0, birdsAfter: 0, peopleBefore: 0, peopleAfter: 0, frames: 0 };
    for await (const frame of readFrames({ source: camera.source.url, fps: 5, width, height })) {
      if (frame.time > 3) break;
      const found = (await cameraModels.detect(frame)).filter((d) => d.score >= cameraModels.minScore);
      const kept = await applyDetectionFilters(filters, frame, found, frame.time);
      totals.frames += 1;
      totals.birdsBefore += labelsOf(found, 'bird').length;
      totals.birdsAfter += labelsOf(kept, 'bird').length;
      totals.peopleBefore += labelsOf(found, 'person').length;
      totals.peopleAfter += labelsOf(kept, 'person').length;
    }
    expect(totals.frames).toBeGreaterThanOrEqual(15);
    expect(totals.birdsBefore).toBeGreaterThanOrEqual(totals.frames - 2);
    expect(totals.birdsAfter).toBe(0);
    expect(totals.peopleAfter).toBe(totals.peopleBefore);
    expect(totals.peopleBefore).toBeGreaterThan(totals.frames);

    // The edge reports the matches (the last at about 3 s of video); the region lives on from them.
    s.clock.set('2026-11-21T06:00:00Z');
    await sync.stop();
    await sync.trigger();
    const listed = (
      await s.app.inject({
        url: '/api/v1/cameras/lingnan-hub/ln-market/suppression-regions',
        headers: s.as('operator'),
      })
    ).json() as CameraSuppression;
    expect(listed.regions[0]?.lastMatchedAt).toMatch(/^2026-11-21T05:00:0[23]/);
  }, 120_000);

  it('`edge detect --config --camera` drops it on a still the way `edge run` does; switched off, it stays', async () => {
    const image = path.resolve('fixtures/frames/vtest-0198.jpg');
    for (const enabled of [true, false]) {
      const config = vtestConfig(dataDir, enabled);
      const { regions } = await openLearnedRegions(config.dataDir, () => {});
      const detector = await StillDetector.load(config, 'ln-market', { suppression: regions });
      try {
        const { height, detections, dropped } = await detector.detect(image);
        // This frame has a second "bird", on the road: nobody rejected that one.
        const onLawn = (list: readonly Detection[]) =>
          labelsOf(list, 'bird').filter((d) => d.box[1] > 0.8 * height);
        expect(onLawn(detections)).toHaveLength(enabled ? 0 : 1);
        expect(onLawn(dropped)).toHaveLength(enabled ? 1 : 0);
        expect(labelsOf(detections, 'bird').length).toBeGreaterThanOrEqual(1);
        expect(labelsOf(detections, 'person').length).toBeGreaterThan(2);
      } finally {
        await detector.dispose();
      }
    }
  }, 60_000);
});
