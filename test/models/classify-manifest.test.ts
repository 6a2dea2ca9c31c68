import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ModelManifestSchema } from '../../foundation/models/manifest-schema.ts';

const classify = {
  name: 'cls',
  version: '1',
  task: 'classify',
  file: 'cls.onnx',
  sha256: 'a'.repeat(64),
  input: {
    name: 'input',
    width: 64,
    height: 64,
    layout: 'NCHW',
    pixelFormat: 'RGB',
    mean: [128, 128, 128],
    std: [64, 64, 64],
    resize: 'stretch',
  },
  decoder: { type: 'classifier', output: 'probabilities' },
  labels: ['covered', 'uncovered'],
  thresholds: { score: 0.5 },
  licence: { spdx: 'MIT' },
  provenance: { source: 's', upstream: 'u', conversion: 'c' },
};
const nanodet = {
  type: 'nanodet',
  strides: [8],
  regMax: 7,
  scores: ['cls8'],
  boxes: ['reg8'],
};

function problems(raw: unknown): string {
  const parsed = ModelManifestSchema.safeParse(raw);
  return parsed.success ? '' : z.prettifyError(parsed.error);
}

describe('classify manifests', () => {
  it('accept a classifier with only a score threshold, softmax applied by the model by default', () => {
    const m = ModelManifestSchema.parse(classify);
    expect(m.task).toBe('classify');
    expect(m.decoder).toEqual({ type: 'classifier', output: 'probabilities', outputIsProbabilities: true });
    expect(m.thresholds.iou).toBeUndefined();
  });

  it('refuse a classify task with a detection decoder, naming the decoder it needs', () => {
    const message = problems({ ...classify, decoder: nanodet });
    expect(message).toContain('task "classify" needs decoder "classifier", not "nanodet"');
    expect(message).toContain('decoder.type');
  });

  it('refuse a classifier decoder on a detect task, and on a manifest without a task (detect by default)', () => {
    const detect = problems({ ...classify, task: 'detect', thresholds: { score: 0.5, iou: 0.5 } });
    expect(detect).toContain(
      'task "detect" needs decoder "nanodet" or "yolov8" or "yolov5", not "classifier"',
    );
    expect(detect).toContain('a classifier decoder needs task "classify"');
    const { task: _, ...untasked } = classify;
    expect(problems(untasked)).toContain('not "classifier"');
  });

  it('still require the NMS IoU of a detect manifest', () => {
    const message = problems({ ...classify, task: 'detect', decoder: nanodet });
    expect(message).toContain('thresholds.iou');
    expect(
      problems({ ...classify, task: 'detect', decoder: nanodet, thresholds: { score: 0.3, iou: 0.6 } }),
    ).toBe('');
  });

  it('refuse a classifier with fewer than two labels and an unknown task', () => {
    expect(problems({ ...classify, labels: ['uncovered'] })).toContain('at least two labels');
    expect(problems({ ...classify, task: 'segment' })).toContain('task');
  });
});
