import type { Box } from '../../foundation/media/frame.ts';
import type { FrameContext } from '../rules/scenario-rule.ts';

/**
 * A part of the street that changed and has stayed changed, found by the camera's background
 * model whatever the object is (no detector class needed): something placed, or something removed.
 */
export interface OccupationRegion {
  /** Stable for as long as the region stays. */
  id: number;
  /** In the analysed frame's pixels. */
  box: Box;
  /** The share of the box's pixels that differ from the long-term background (0..1). */
  fill: number;
  /** `placed`: something is there that was not; `removed`: something that was there has gone. */
  kind: 'placed' | 'removed';
  /** Stream time (seconds) it was first seen, and last seen. */
  since: number;
  lastSeen: number;
}

/**
 * The camera's background model, one per camera, shared by every scenario that asks for it; it
 * updates once per frame time, however many rules call it on that frame.
 */
export interface OccupationSource {
  regions(context: FrameContext): readonly OccupationRegion[];
}
