import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { ModelRegistry } from '../../edge/runtime/model-registry.ts';

const config = (cameras: string) =>
  parseEdgeConfig(
    `
edgeId: e
models:
  detector: { manifest: nanodet-g-416 }
  cover: { manifest: muck-cover-cls }
cameras:
${cameras}
`,
    'edge.yaml',
  );

describe('model registry', () => {
  it('refuses a classifier where a detector belongs, naming the alias', async () => {
    const bad = config('  - { id: a, source: { url: a.mp4 }, models: [cover] }');
    await expect(ModelRegistry.load(bad)).rejects.toMatchObject({
      code: 'MODEL_TASK_MISMATCH',
      message: expect.stringContaining('model "cover" is a classifier, but it is used as a detector'),
    });
  });

  it('loads each model once and serves every camera through its one scheduler', async () => {
    const twoCameras = config(
      ['  - { id: a, source: { url: a.mp4 } }', '  - { id: b, source: { url: b.mp4 } }'].join('\n'),
    );
    const models = await ModelRegistry.load(twoCameras);
    try {
      expect(Object.keys(models.stats())).toEqual(['detector']);
      const { data, info } = await sharp('fixtures/frames/vtest-0000.jpg')
        .resize(416, 416, { fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
      const [camA, camB] = await Promise.all(
        twoCameras.cameras.map((camera) => models.forCamera(camera).detect(frame)),
      );
      expect(camA?.filter((d) => d.label === 'person' && d.score > 0.5).length).toBeGreaterThanOrEqual(3);
      expect(camB).toEqual(camA);
      const stats = models.stats().detector;
      expect(stats?.sources.map((s) => [s.sourceId, s.completed])).toEqual([
        ['a', 1],
        ['b', 1],
      ]);
    } finally {
      await models.dispose();
    }
  });
});
