import type { RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';
import { type Canvas, downsample, gaussianBlur, jpegLike, toRawImage } from './cargo/canvas.ts';
import { type Cover, renderCover } from './cargo/covered-loads.ts';
import {
  addBackgroundMargin,
  addBodyEdges,
  addNoise,
  addOccluder,
  addShadow,
  photometric,
} from './cargo/nuisances.ts';
import { type LooseMaterial, renderLooseLoad } from './cargo/uncovered-loads.ts';

/**
 * Procedural, seeded pictures of truck load beds as an elevated street camera sees them, for the
 * covered/uncovered classifier. Synthetic textures only: no real footage went into them.
 *
 * - uncovered: heaps of soil, sand, gravel, rubble or mixed debris (a second material in patches
 *   on some), lit by one light, in browns, greys and ochres;
 * - covered: a tarpaulin (one colour, folds, lumps, straps or ropes), a green dust net over a heap,
 *   or a closed body / lid (painted panels, seams, ribs, windows, lamps, grime).
 *
 * Both get the same nuisances: bed walls, background where the box overshoots, shadows, poles,
 * wires and foliage, exposure/contrast/colour jitter, blur, sensor noise and JPEG-like loss. Each
 * picture is drawn at twice its "native" size (what the crop measures in the frame, 20–110 px wide,
 * 0.8–3.2 wide for 1 high) and averaged down, then resized to the model input like a real crop.
 */

export const CARGO_LABELS = ['covered', 'uncovered'] as const;
export type CargoLabel = (typeof CARGO_LABELS)[number];
export type CargoKind = Cover | LooseMaterial;

export interface CargoSceneOptions {
  label: CargoLabel;
  /** Size of the crop in the camera frame, in pixels. */
  width: number;
  height: number;
  /** Force one kind of cover or material; by default a random one. */
  kind?: CargoKind;
  /** Surroundings, occluders and camera degradations (default true). */
  nuisances?: boolean;
}

export interface CargoScene {
  image: RawImage;
  label: CargoLabel;
  kind: CargoKind;
}

const SUPERSAMPLE = 2;

function renderContent(rng: Rng, options: CargoSceneOptions, width: number, height: number) {
  if (options.label === 'uncovered') {
    const material = options.kind as LooseMaterial | undefined;
    const { canvas, material: used } = renderLooseLoad(rng, width, height, material ? { material } : {});
    return { canvas, kind: used as CargoKind };
  }
  const cover =
    (options.kind as Cover | undefined) ??
    rng.weighted<Cover>([
      ['tarp', 0.45],
      ['net', 0.2],
      ['closed-body', 0.35],
    ]);
  return { canvas: renderCover(rng, width, height, cover), kind: cover as CargoKind };
}

/** One crop of a load bed at its native size. */
export function renderCargoScene(rng: Rng, options: CargoSceneOptions): CargoScene {
  const nuisances = options.nuisances ?? true;
  const width = options.width * SUPERSAMPLE;
  const height = options.height * SUPERSAMPLE;
  const { canvas: content, kind } = renderContent(rng, options, width, height);
  let canvas: Canvas = content;
  if (nuisances) {
    if (rng.chance(0.45)) addBodyEdges(rng, canvas);
    if (rng.chance(0.35)) addBackgroundMargin(rng, canvas);
    if (rng.chance(0.35)) addShadow(rng, canvas);
    if (rng.chance(0.3)) addOccluder(rng, canvas);
  }
  canvas = downsample(canvas, SUPERSAMPLE);
  if (nuisances) {
    photometric(rng, canvas);
    if (rng.chance(0.7)) canvas = gaussianBlur(canvas, rng.range(0.3, 1.4));
    addNoise(rng, canvas, rng.chance(0.8) ? rng.range(0, 7) : 0);
    if (rng.chance(0.7)) canvas = jpegLike(canvas, rng.int(20, 90));
  }
  return { image: toRawImage(canvas), label: options.label, kind };
}

/**
 * Sample `index` of the set seeded `seed` at its native size (as the crop measures in the frame).
 * Even indices are covered, odd ones uncovered, so any prefix of a set is balanced.
 */
export function nativeCargoSample(seed: number, index: number): CargoScene {
  const rng = Rng.forSample(seed, index);
  const label: CargoLabel = index % 2 === 0 ? 'covered' : 'uncovered';
  const width = rng.int(20, 110);
  const aspect = rng.range(0.8, 3.2);
  const height = Math.min(110, Math.max(12, Math.round(width / aspect)));
  return renderCargoScene(rng, { label, width, height });
}

export interface CargoSample extends CargoScene {
  /** The crop's size in the frame before it was resized to the model input. */
  nativeWidth: number;
  nativeHeight: number;
}

/** `nativeCargoSample` stretched to `size` x `size`, as the classifier resizes a crop. */
export function cargoSample(seed: number, index: number, size = 64): CargoSample {
  const scene = nativeCargoSample(seed, index);
  const { width, height } = scene.image;
  const image = resizeCrop(scene.image, [0, 0, width, height], size, size);
  return { ...scene, image, nativeWidth: width, nativeHeight: height };
}

export { Rng };
