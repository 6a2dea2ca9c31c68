import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { ScenarioObservation } from './incident-lifecycle.ts';
import type { TrackedInput } from './zone-presence.ts';

/** What a scenario rule sees of one analysed frame. */
export interface FrameContext {
  /** Stream time, seconds. */
  time: number;
  /** The analysed frame; boxes are in its pixels. */
  frame: RawImage;
  /** The tracker's confirmed objects on this frame (the last ones, on frames the motion gate skipped). */
  tracked: readonly TrackedInput[];
}

/**
 * One configured scenario's condition, evaluated frame by frame. It keeps its own state (who is
 * in the zone, since when); the incident lifecycle turns its observations into events.
 */
export interface ScenarioRule {
  observe(context: FrameContext): ScenarioObservation | Promise<ScenarioObservation>;
}

/** A second-stage classifier's verdict on a crop: a probability per label. */
export interface CropScores {
  scores: Readonly<Record<string, number>>;
}

/** Classifies the `crop` (pixels of `frame`) of one object. */
export type ClassifyCrop = (frame: RawImage, crop: Box) => Promise<CropScores>;
