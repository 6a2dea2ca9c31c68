import type { Box } from '../media/frame.ts';

/**
 * The crop a verifier judges a detection from: its box grown by `context` of its width and height
 * on each side (some surroundings help tell a person from a post), clipped to the image. The
 * trainer and the edge both crop with this, so a model sees on the edge what it was trained on.
 */
export function verifierCrop(box: Box, context: number, width: number, height: number): Box {
  const [x1, y1, x2, y2] = box;
  const dx = (x2 - x1) * context;
  const dy = (y2 - y1) * context;
  return [Math.max(0, x1 - dx), Math.max(0, y1 - dy), Math.min(width, x2 + dx), Math.min(height, y2 + dy)];
}
