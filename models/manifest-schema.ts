import { z } from 'zod';

/**
 * The model manifest: the one description of a model file that the edge needs to run it.
 * Adding a model is a file plus one of these; no code changes.
 */

const outputName = z.string().min(1);

export const NanoDetDecoderSchema = z
  .object({
    type: z.literal('nanodet'),
    /** Feature-map strides, one per output level, in the same order as `scores` and `boxes`. */
    strides: z.array(z.number().int().positive()).min(1),
    /** Distribution bins per box side minus one (NanoDet-m/g: 7 or 10). */
    regMax: z.number().int().positive(),
    /** Output names of the per-level class scores, shaped [1, H*W, C]. */
    scores: z.array(outputName).min(1),
    /** Output names of the per-level box distributions, shaped [1, H*W, 4 * (regMax + 1)]. */
    boxes: z.array(outputName).min(1),
    /** Whether the score outputs already went through a sigmoid inside the model. */
    scoresAreProbabilities: z.boolean().default(true),
    /**
     * How a side's distance comes from its bins: `expectation` (softmax-weighted mean, as NanoDet
     * was trained) or `argmax` (the single likeliest bin, as some ports do; coarser boxes).
     */
    boxDecoding: z.enum(['expectation', 'argmax']).default('expectation'),
  })
  .refine((d) => d.scores.length === d.strides.length && d.boxes.length === d.strides.length, {
    message: 'scores and boxes need one output name per stride',
  });

export const YoloV8DecoderSchema = z.object({
  /** YOLOv8 / YOLO11 head: [1, 4 + C, N] (cx, cy, w, h, class scores), no objectness. */
  type: z.literal('yolov8'),
  output: outputName,
});

export const YoloV5DecoderSchema = z.object({
  /** YOLOv5 head: [1, N, 5 + C] (cx, cy, w, h, objectness, class scores). */
  type: z.literal('yolov5'),
  output: outputName,
});

export const ClassifierDecoderSchema = z.object({
  /** Image classifier head: one output [N, C], a score per label for each image of the batch. */
  type: z.literal('classifier'),
  output: outputName,
  /** Whether the output already went through a softmax inside the model; false: logits, softmax applied here. */
  outputIsProbabilities: z.boolean().default(true),
});

export const DecoderSchema = z.discriminatedUnion('type', [
  NanoDetDecoderSchema,
  YoloV8DecoderSchema,
  YoloV5DecoderSchema,
  ClassifierDecoderSchema,
]);

/** What a model does; each task has its own decoders and its own runner (Detector, Classifier). */
export const TaskSchema = z.enum(['detect', 'classify']);

/** The decoder types each task accepts. */
export const DECODERS_BY_TASK = {
  detect: ['nanodet', 'yolov8', 'yolov5'],
  classify: ['classifier'],
} as const satisfies Record<z.infer<typeof TaskSchema>, readonly DecoderConfig['type'][]>;

export const InputSchema = z.object({
  /** Name of the model's input tensor. */
  name: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layout: z.enum(['NCHW', 'NHWC']),
  pixelFormat: z.enum(['RGB', 'BGR']),
  /** Per-channel mean and std in the model's channel order, applied to 0..255 values: (v - mean) / std. */
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  /** `letterbox` keeps the aspect ratio and pads; `stretch` scales each axis on its own. */
  resize: z.enum(['letterbox', 'stretch']),
  /** Padding value (0..255, before normalisation) used by letterbox. */
  padValue: z.number().min(0).max(255).default(114),
});

export const ThresholdsSchema = z.object({
  /** Detect: the lowest score kept. Classify: the score from which a label counts as found. */
  score: z.number().min(0).max(1),
  /** NMS IoU; detect manifests must give it, classify manifests leave it out. */
  iou: z.number().min(0).max(1).optional(),
  /** Upper bound on detections per image after NMS; generous because crowded scenes are the point. */
  maxDetections: z.number().int().positive().default(300),
});

const ManifestObjectSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"'),
  version: z.string().min(1),
  task: TaskSchema.default('detect'),
  /** Model file, relative to the manifest. */
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256 of the model file'),
  input: InputSchema,
  decoder: DecoderSchema,
  labels: z.array(z.string().min(1)).min(1),
  thresholds: ThresholdsSchema,
  licence: z.object({
    spdx: z.string().min(1),
    text: z.string().optional(),
  }),
  provenance: z.object({
    source: z.string().min(1),
    upstream: z.string().min(1),
    conversion: z.string().min(1),
    notes: z.string().optional(),
  }),
});

export const ModelManifestSchema = ManifestObjectSchema.superRefine((m, ctx) => {
  const accepted: readonly string[] = DECODERS_BY_TASK[m.task];
  if (!accepted.includes(m.decoder.type)) {
    ctx.addIssue({
      code: 'custom',
      path: ['decoder', 'type'],
      message: `task "${m.task}" needs decoder ${accepted.map((t) => `"${t}"`).join(' or ')}, not "${m.decoder.type}"${m.decoder.type === 'classifier' ? ' (a classifier decoder needs task "classify")' : ''}`,
    });
  }
  if (m.task === 'detect' && m.thresholds.iou === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['thresholds', 'iou'],
      message: 'a detect model needs an NMS IoU threshold',
    });
  }
  if (m.task === 'classify' && m.decoder.type === 'classifier' && m.labels.length < 2) {
    ctx.addIssue({ code: 'custom', path: ['labels'], message: 'a classifier needs at least two labels' });
  }
});

export type ModelManifest = z.infer<typeof ModelManifestSchema>;
export type ModelInput = ModelManifest['input'];
export type ModelTask = z.infer<typeof TaskSchema>;
export type DecoderConfig = z.infer<typeof DecoderSchema>;
export type ClassifierDecoderConfig = z.infer<typeof ClassifierDecoderSchema>;
/** The decoders a detector can run. */
export type DetectDecoderConfig = Exclude<DecoderConfig, ClassifierDecoderConfig>;
export type NanoDetDecoderConfig = z.infer<typeof NanoDetDecoderSchema>;
export type YoloV8DecoderConfig = z.infer<typeof YoloV8DecoderSchema>;
export type YoloV5DecoderConfig = z.infer<typeof YoloV5DecoderSchema>;
