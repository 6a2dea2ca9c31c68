/**
 * Defaults of camera settings whose code lives on the edge (edge/track/, edge/suppress/) but whose
 * schema is shared with the cloud: one set of numbers for both.
 */

/** ByteTrack's score bands (edge/track/byte-tracker.ts). */
export const TRACKER_SCORE_DEFAULTS = Object.freeze({ highScore: 0.5, lowScore: 0.1, newTrackScore: 0.6 });

/** How a suppression region matches a detection (edge/suppress/suppression-filter.ts). */
export const SUPPRESSION_DEFAULTS = Object.freeze({
  matchIou: 0.4,
  motionWindowSeconds: 3,
  moveFraction: 0.25,
});
