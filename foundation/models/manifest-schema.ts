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

/**
 * What a model with a decoder does; each task has its own decoders and its own runner (Detector,
 * Classifier). A feature extractor (task `features`, FeaturesManifestSchema) has no decoder.
 */
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

/** Fields every manifest has, whatever its task. */
const manifestHead = {
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"'),
  version: z.string().min(1),
  /** Model file, relative to the manifest. */
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256 of the model file'),
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
};

const ManifestObjectSchema = z.object({
  ...manifestHead,
  task: TaskSchema.default('detect'),
  input: InputSchema,
  decoder: DecoderSchema,
  labels: z.array(z.string().min(1)).min(1),
  thresholds: ThresholdsSchema,
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

/**
 * A feature extractor (task `features`): a backbone whose feature maps are the product, as the
 * drone change detector uses. Same normalisation as the other tasks, but any input size that is a
 * multiple of `sizeMultiple` (its height and width are symbolic), and feature-map outputs instead
 * of a decoder; no labels or thresholds.
 */
export const FeaturesManifestSchema = z.object({
  ...manifestHead,
  task: z.literal('features'),
  input: InputSchema.pick({ name: true, pixelFormat: true, mean: true, std: true }).extend({
    layout: z.literal('NCHW'),
    /** Height and width must be multiples of this; images are padded up to one. */
    sizeMultiple: z.number().int().positive(),
  }),
  outputs: z
    .array(
      z.object({
        /** Output tensor name, shaped [1, channels, H / stride, W / stride]. */
        name: outputName,
        stride: z.number().int().positive(),
        channels: z.number().int().positive(),
      }),
    )
    .min(1),
});

/** Normalisation of an OCR model's input: 0..255 values, (v - mean) / std in the model's channel order. */
const ocrInput = InputSchema.pick({ name: true, pixelFormat: true, mean: true, std: true }).extend({
  layout: z.literal('NCHW'),
});

/**
 * A text detector (task `text-detect`, PP-OCR's DB head): an image whose sides are multiples of
 * `sizeMultiple` in, a text probability map of the same size out, turned into boxes here.
 */
export const TextDetectManifestSchema = z.object({
  ...manifestHead,
  task: z.literal('text-detect'),
  input: ocrInput.extend({
    sizeMultiple: z.number().int().positive(),
    /** The longer side is scaled down to this before detection; smaller images are scaled up to it. */
    maxSide: z.number().int().positive(),
  }),
  /** Output name of the probability map, shaped [1, 1, H, W]. */
  output: outputName,
  thresholds: z.object({
    /** A map pixel from this probability is text. */
    pixel: z.number().min(0).max(1),
    /** A region is kept from this mean probability. */
    box: z.number().min(0).max(1),
    /** DB shrinks text regions in training: a region grows by area * unclip / perimeter back. */
    unclip: z.number().positive(),
  }),
});

/**
 * A text-line recogniser (task `text-recognize`, CTC): a line image of fixed `height` and a width up
 * to `maxWidth` in, per time step a probability per dictionary entry out.
 */
export const TextRecognizeManifestSchema = z.object({
  ...manifestHead,
  task: z.literal('text-recognize'),
  input: ocrInput.extend({
    height: z.number().int().positive(),
    /** Width the line is padded to at least and scaled to at most (its aspect kept up to it). */
    minWidth: z.number().int().positive(),
    maxWidth: z.number().int().positive(),
  }),
  /** Output name of the per-step probabilities, shaped [1, T, classes]. */
  output: outputName,
  dictionary: z.object({
    /** One character per line, relative to the manifest. */
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256 of the dictionary file'),
    /** Index of the CTC blank in the output (the dictionary's characters follow it). */
    blank: z.number().int().nonnegative(),
    /** Whether a space follows the dictionary's characters as the last class. */
    appendSpace: z.boolean(),
  }),
});

/** Share of the box's width and height added on each side before a verifier crops it. */
const CropContextSchema = z.number().min(0).max(1);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');

/**
 * A verifier (task `verify`): a second-stage classifier that accepts or rejects a detection of the
 * labels it `verifies` from the crop of its box (grown by `cropContext`), trained on a camera's
 * reviewed detections. Output [N, 2]: the probabilities of `reject` and `accept`; a detection is
 * kept from `thresholds.score` (accept probability), chosen on the validation split.
 */
export const VerifierManifestSchema = z.object({
  ...manifestHead,
  task: z.literal('verify'),
  input: InputSchema,
  decoder: ClassifierDecoderSchema,
  labels: z.tuple([z.literal('reject'), z.literal('accept')]),
  verifies: z.array(z.string().min(1)).min(1),
  cropContext: CropContextSchema,
  thresholds: z.object({ score: z.number().min(0).max(1) }),
  training: z.object({
    /** sha256 over the training data: the annotation files and every image they name, in order. */
    datasetSha256: sha256Hex,
    seed: z.number().int(),
    samples: z.object({
      train: z.object({ accept: z.number().int().nonnegative(), reject: z.number().int().nonnegative() }),
      val: z.object({ accept: z.number().int().nonnegative(), reject: z.number().int().nonnegative() }),
    }),
    /** The validation split at the threshold: what the choice of `thresholds.score` aimed at and got. */
    validation: z.object({
      precisionGoal: z.number().min(0).max(1),
      precision: z.number().min(0).max(1).nullable(),
      recall: z.number().min(0).max(1).nullable(),
    }),
  }),
});

/** Any manifest under models/, told apart by `task` (absent: detect). */
export const AnyModelManifestSchema = z.discriminatedUnion('task', [
  ModelManifestSchema,
  FeaturesManifestSchema,
  TextDetectManifestSchema,
  TextRecognizeManifestSchema,
  VerifierManifestSchema,
]);

/** A manifest with a decoder: what Detector and Classifier run. */
export type ModelManifest = z.infer<typeof ModelManifestSchema>;
export type FeaturesManifest = z.infer<typeof FeaturesManifestSchema>;
export type TextDetectManifest = z.infer<typeof TextDetectManifestSchema>;
export type TextRecognizeManifest = z.infer<typeof TextRecognizeManifestSchema>;
export type AnyModelManifest = z.infer<typeof AnyModelManifestSchema>;
export type VerifierManifest = z.infer<typeof VerifierManifestSchema>;
export type ModelInput = ModelManifest['input'];
export type DecoderConfig = z.infer<typeof DecoderSchema>;
export type ClassifierDecoderConfig = z.infer<typeof ClassifierDecoderSchema>;
export type NanoDetDecoderConfig = z.infer<typeof NanoDetDecoderSchema>;
export type YoloV8DecoderConfig = z.infer<typeof YoloV8DecoderSchema>;
export type YoloV5DecoderConfig = z.infer<typeof YoloV5DecoderSchema>;
