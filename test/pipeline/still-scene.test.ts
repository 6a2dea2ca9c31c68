import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { buildCameraPipeline } from '../../edge/pipeline/build-camera-pipeline.ts';
import { ModelRegistry } from '../../edge/runtime/model-registry.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

const CONFIG = parseEdgeConfig(
  `
edgeId: edge-test
cameras:
  - id: still
    source: { url: still.mp4 }
    zones:
      - name: all
        points: [[0, 0], [1, 0], [1, 1], [0, 1]]
        filters: { labels: [person] }
    scenarios:
      - { type: loitering, zone: all, labels: [person], minObjects: 3, minDwellSeconds: 5 }
`,
  'still.yaml',
);

describe('a still scene with people in it (one fixture frame, repeated at 5 fps for 30 s)', () => {
  let models: ModelRegistry;
  let frame: RawImage;
  beforeAll(async () => {
    models = await ModelRegistry.load(CONFIG);
    const { data, info } = await sharp('fixtures/frames/vtest-0099.jpg')
      .resize(416, 416, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    frame = { data: new Uint8Array(data), width: info.width, height: info.height };
  });
  afterAll(() => models.dispose());

  it('skips most frames at the motion gate yet finds, tracks and reports the people standing there', async () => {
    const camera = CONFIG.cameras[0];
    if (!camera) throw new Error('no camera');
    const pipeline = buildCameraPipeline({
      edgeId: CONFIG.edgeId,
      camera,
      frameWidth: 416,
      frameHeight: 416,
      epochMs: 0,
      models: models.forCamera(camera),
    });
    const events: EdgeEvent[] = [];
    for (let k = 0; k < 150; k++) events.push(...(await pipeline.process(frame, k / 5)));
    const { framesSeen, framesAnalysed, framesSkippedByMotion } = pipeline.counters;
    expect(framesSeen).toBe(150);
    // Re-detected about once a second (motion.recheckSeconds), not on every frame.
    expect(framesSkippedByMotion).toBeGreaterThan(110);
    expect(framesAnalysed).toBeGreaterThanOrEqual(25);
    const start = events.find((e) => e.phase === 'start');
    expect(start?.objectCount).toBeGreaterThanOrEqual(3);
    expect((Date.parse(start?.observedAt ?? '') - 0) / 1000).toBeLessThan(8);
  });
});
