import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { verifierCrop } from '../../foundation/models/verifier-crop.ts';
import type { Detection } from '../detect/types.ts';

/** One of a camera's verifiers, as its pipeline uses it. */
export interface CameraVerifier {
  /** The alias under `models`, for logs and counters. */
  alias: string;
  /** Detection labels it judges; others pass untouched. */
  labels: readonly string[];
  /** Share of a box's size added on each side before cropping. */
  cropContext: number;
  /** Detections whose accept probability is below this are dropped. */
  threshold: number;
  /** The accept probability of each crop of one frame, in one inference. */
  score: (frame: RawImage, crops: Box[]) => Promise<number[]>;
}

export interface VerifierCounts {
  judged: number;
  dropped: number;
}

/**
 * Drops the detections a camera's verifiers reject: per verifier, the crops of every detection of
 * its labels in the frame go through one inference, and those scoring under its threshold go. A
 * box too thin to crop a pixel from is kept unjudged. A `DetectionFilter` (edge/pipeline) by its
 * shape: the pipeline builds it, so this folder does not import the pipeline's.
 */
export class VerifierFilter {
  readonly name = 'verifiers';
  private readonly counts = new Map<string, VerifierCounts>();

  constructor(private readonly verifiers: readonly CameraVerifier[]) {
    for (const v of verifiers) this.counts.set(v.alias, { judged: 0, dropped: 0 });
  }

  async filter(frame: RawImage, detections: Detection[]): Promise<Detection[]> {
    let kept = detections;
    for (const verifier of this.verifiers) {
      const judged: { detection: Detection; crop: Box }[] = [];
      for (const detection of kept) {
        if (!verifier.labels.includes(detection.label)) continue;
        const crop = verifierCrop(detection.box, verifier.cropContext, frame.width, frame.height);
        if (crop[2] - crop[0] >= 1 && crop[3] - crop[1] >= 1) judged.push({ detection, crop });
      }
      if (judged.length === 0) continue;
      const scores = await verifier.score(
        frame,
        judged.map((j) => j.crop),
      );
      const rejected = new Set(
        judged.filter((_, k) => (scores[k] ?? 0) < verifier.threshold).map((j) => j.detection),
      );
      const counts = this.counts.get(verifier.alias) as VerifierCounts;
      counts.judged += judged.length;
      counts.dropped += rejected.size;
      if (rejected.size > 0) kept = kept.filter((d) => !rejected.has(d));
    }
    return kept;
  }

  /** Per verifier alias: detections judged and dropped so far. */
  stats(): Record<string, VerifierCounts> {
    return Object.fromEntries([...this.counts].map(([alias, c]) => [alias, { ...c }]));
  }
}

/** The camera's verifiers as one filter, or none when it has none. */
export function verifierFilters(verifiers: readonly CameraVerifier[] | undefined): VerifierFilter[] {
  return verifiers && verifiers.length > 0 ? [new VerifierFilter(verifiers)] : [];
}
