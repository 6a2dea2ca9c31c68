import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../edge/config/config-error.ts';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { iou } from '../../edge/detect/nms.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { EdgeError } from '../../edge/errors.ts';
import { ModelRegistry } from '../../edge/runtime/model-registry.ts';
import { VerifierFilter } from '../../edge/verify/verifier-filter.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { loadGroundTruth } from '../eval/ground-truth.ts';

// models/vtest-person-verifier was trained by `npm run eval -- feedback` on frames before t = 40 s;
// frame 528 (t = 52.8 s) took no part in it.
const FRAME = 528;
/** The traffic cone the detector calls a person in every frame of vtest. */
const CONE: Box = [161, 187, 180, 208];

const config = (verifiers: string) => `
edgeId: edge-test
models:
  detector: { manifest: nanodet-g-416 }
  person_verifier: { manifest: vtest-person-verifier }
cameras:
  - id: vtest
    source: { url: rtsp://10.0.0.5/stream }
    verifiers: ${verifiers}
`;

const rect = ([x1, y1, x2, y2]: Box) => ({ x1, y1, x2, y2 });

let registry: ModelRegistry;
let frame: RawImage;
let people: Box[];

beforeAll(async () => {
  registry = await ModelRegistry.load(parseEdgeConfig(config('[person_verifier]'), 'edge.yaml'), {
    threads: 1,
  });
  const truth = await loadGroundTruth();
  const labelled = truth.frames.find((f) => f.index === FRAME);
  if (!labelled) throw new Error(`no labelled frame ${FRAME}`);
  frame = await decodeRgb(labelled.image);
  people = labelled.objects.filter((o) => o.label === 'person' && !o.ignore).map((o) => o.box);
}, 60_000);

afterAll(async () => {
  await registry?.dispose();
});

describe('a camera with a trained verifier', () => {
  it('drops the cone the detector calls a person and keeps the people it found', async () => {
    const camera = parseEdgeConfig(config('[person_verifier]'), 'edge.yaml').cameras[0];
    if (!camera) throw new Error('no camera');
    const models = registry.forCamera(camera);
    expect(models.verifiers?.map((v) => v.alias)).toEqual(['person_verifier']);
    const detections = (await models.detect(frame)).filter((d) => d.score >= 0.35);
    const onCone = (d: Detection) => d.label === 'person' && iou(rect(d.box), rect(CONE)) >= 0.5;
    const onPerson = (d: Detection) =>
      d.label === 'person' && people.some((p) => iou(rect(d.box), rect(p)) >= 0.5);
    expect(detections.filter(onCone)).toHaveLength(1);
    const found = detections.filter(onPerson);
    expect(found.length).toBeGreaterThan(3);

    const filter = new VerifierFilter(models.verifiers ?? []);
    const kept = await filter.filter(frame, detections);
    expect(kept.filter(onCone)).toHaveLength(0);
    expect(kept.filter(onPerson)).toEqual(found);
    // other labels are not the person verifier's to judge
    expect(kept.filter((d) => d.label !== 'person')).toEqual(detections.filter((d) => d.label !== 'person'));
    expect(filter.stats().person_verifier?.dropped).toBeGreaterThanOrEqual(1);
  });

  it('refuses a config naming a verifier alias it does not have, by name', () => {
    const attempt = () => parseEdgeConfig(config('[person_verifier, bike_checker]'), 'edge.yaml');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/edge\.yaml: cameras\[0\]\.verifiers\[1\]: no model with alias "bike_checker"/);
  });

  it('refuses a detector named as a verifier', async () => {
    const wrong = config('[detector]');
    const attempt = ModelRegistry.load(parseEdgeConfig(wrong, 'edge.yaml'), { threads: 1 });
    await expect(attempt).rejects.toBeInstanceOf(EdgeError);
    await expect(attempt).rejects.toThrow(/task is "detect", but a verifier needs a "verify" model/);
  });
});
