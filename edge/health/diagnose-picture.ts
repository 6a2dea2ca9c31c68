import type { CameraFault } from '../../foundation/contract/events.ts';
import type { CameraHealthConfig } from '../../foundation/edge-config/camera-health-schema.ts';
import type { PictureMeasures } from './picture-measures.ts';
import { type LearnedReference, sceneSimilarity } from './scene-reference.ts';

/** The picture's one fault (or none) and the figure that decided it, for the event. */
export interface PictureVerdict {
  fault: Exclude<CameraFault, 'no_signal'> | undefined;
  /** The deciding measure, rounded to an integer for the event's `counts` (e.g. { darkPercent: 98 }). */
  figure: { name: string; value: number } | undefined;
}

export type PictureThresholds = Pick<
  CameraHealthConfig,
  'black' | 'overexposed' | 'frozen' | 'covered' | 'blurred' | 'sceneChanged' | 'noisy'
>;

const percent = (share: number) => Math.round(share * 100);

function shareBelow(histogram: Float32Array, level: number): number {
  let share = 0;
  for (let v = 0; v < level; v++) share += histogram[v] as number;
  return share;
}

function shareAbove(histogram: Float32Array, level: number): number {
  let share = 0;
  for (let v = level + 1; v < 256; v++) share += histogram[v] as number;
  return share;
}

/**
 * Share of the view's textured cells that lost their texture. With a reference, cells that were
 * featureless already (sky, a blank wall) are left out; without one, every cell counts.
 */
function coveredShare(m: PictureMeasures, ref: LearnedReference | undefined, t: PictureThresholds): number {
  const { maxTexture, textureRatio } = t.covered;
  let informative = 0;
  let lost = 0;
  for (let c = 0; c < m.cellTexture.length; c++) {
    const now = m.cellTexture[c] as number;
    const before = ref ? (ref.cellTexture[c] as number) : Number.POSITIVE_INFINITY;
    if (before < maxTexture) continue;
    informative++;
    if (now < maxTexture && now < textureRatio * before) lost++;
  }
  return informative === 0 ? 0 : lost / informative;
}

/**
 * What is wrong with one picture, the first of: black, overexposed, covered, frozen, noisy,
 * blurred, scene changed. One fault per picture: a black frame is also uniform and unchanging,
 * and saying so three times would make three tickets for one fault. Blurred and scene changed need
 * the learned reference (`ref`); before it exists they are not judged.
 */
export function diagnosePicture(
  m: PictureMeasures,
  ref: LearnedReference | undefined,
  t: PictureThresholds,
): PictureVerdict {
  const dark = shareBelow(m.histogram, t.black.level);
  if (dark >= t.black.share) return { fault: 'black', figure: { name: 'darkPercent', value: percent(dark) } };
  const bright = shareAbove(m.histogram, t.overexposed.level);
  if (bright >= t.overexposed.share)
    return { fault: 'overexposed', figure: { name: 'brightPercent', value: percent(bright) } };
  const covered = coveredShare(m, ref, t);
  if (covered >= t.covered.share)
    return { fault: 'covered', figure: { name: 'coveredPercent', value: percent(covered) } };
  if (m.changedShare <= t.frozen.maxChangedShare)
    return { fault: 'frozen', figure: { name: 'changedPermille', value: Math.round(m.changedShare * 1000) } };
  if (m.noiseSigma > t.noisy.sigma)
    return { fault: 'noisy', figure: { name: 'noiseSigma', value: Math.round(m.noiseSigma) } };
  if (!ref) return { fault: undefined, figure: undefined };
  const sharpness = ref.sharpness > 0 ? m.sharpness / ref.sharpness : 1;
  if (sharpness < t.blurred.sharpnessRatio)
    return { fault: 'blurred', figure: { name: 'sharpnessPercent', value: percent(sharpness) } };
  const similarity = sceneSimilarity(m, ref);
  if (similarity < t.sceneChanged.minSimilarity)
    return {
      fault: 'scene_changed',
      figure: { name: 'similarityPercent', value: percent(Math.max(0, similarity)) },
    };
  return { fault: undefined, figure: undefined };
}
