import { z } from 'zod';
import { CameraFaultSchema } from '../contract/events.ts';
import { Fraction } from './config-fields.ts';

const Seconds = z.number().positive().max(86_400);
const GreyLevel = z.number().int().min(0).max(255);

/**
 * A camera's health diagnosis (video quality diagnosis, 视频质量诊断; edge/health/): what counts as
 * each fault, and how long a fault must last to become a maintenance incident (`camera_fault`).
 * Thresholds are on the analysed frame; relative ones compare with the camera's own reference,
 * learned from its first healthy pictures, so a naturally soft or dark scene is not a fault.
 */
export const CameraHealthSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Diagnose at most one frame this often (it costs a pass over a frame). */
  intervalSeconds: z.number().min(0.1).max(60).default(1),
  /** A fault must last this long before its incident opens. */
  openSeconds: Seconds.default(60),
  /** An open fault's incident ends once the picture has been healthy this long. */
  clearSeconds: Seconds.default(30),
  /** The reference (sharpness, texture, scene structure) is learned over this much healthy picture. */
  learnSeconds: Seconds.default(30),
  /** Faults never reported for this camera (a yard that is dark at night: `black`). */
  ignore: z.array(CameraFaultSchema).default(() => []),
  /** Black: at least `share` of the picture darker than `level`. */
  black: z.strictObject({ level: GreyLevel.default(28), share: Fraction.default(0.95) }).prefault({}),
  /** Overexposed: at least `share` of the picture brighter than `level`. */
  overexposed: z.strictObject({ level: GreyLevel.default(240), share: Fraction.default(0.75) }).prefault({}),
  /** Frozen: at most this share of sampled pixels changes between diagnosed frames. */
  frozen: z.strictObject({ maxChangedShare: Fraction.default(0.002) }).prefault({}),
  /**
   * Covered: at least `share` of the textured parts of the view (cells of an 8×6 grid) have lost
   * their texture: below `textureRatio` of their learned texture and below `maxTexture` (mean grey
   * step between neighbouring pixels).
   */
  covered: z
    .strictObject({
      share: Fraction.default(0.75),
      textureRatio: Fraction.default(0.3),
      maxTexture: z.number().positive().max(255).default(2.5),
    })
    .prefault({}),
  /** Blurred: sharpness (Laplacian energy over contrast) below this share of the learned sharpness. */
  blurred: z.strictObject({ sharpnessRatio: Fraction.default(0.35) }).prefault({}),
  /** Scene changed (the camera was turned): edge structure similarity to the learned scene below this. */
  sceneChanged: z.strictObject({ minSimilarity: Fraction.default(0.4) }).prefault({}),
  /** Noisy: estimated noise (standard deviation, grey levels) above this. */
  noisy: z.strictObject({ sigma: z.number().positive().max(128).default(6) }).prefault({}),
});

export type CameraHealthConfig = z.infer<typeof CameraHealthSchema>;
