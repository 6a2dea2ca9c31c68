import { describe, expect, it } from 'vitest';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import {
  dwellOf,
  loadOccupationTruth,
  OCCUPATION_CONFIG,
  OCCUPATION_VIDEO,
  replayIncidents,
  scoreIncidents,
} from '../eval/occupation-eval.ts';

/**
 * The real fixture (real photographs composited onto vtest, see fixtures/video/README.md) through
 * the real pipeline (ffmpeg, NanoDet, tracker, background model, rules): the goods left alone are
 * occupation incidents that start once they have stayed the configured time and end when they are
 * gone; the stall someone stays by is not an occupation; the untouched video raises nothing.
 */
describe('occupation on the composited vtest fixture', () => {
  it('reports each unattended object once, from about when it has stayed long enough to about when it is gone', async () => {
    const config = await loadEdgeConfig(OCCUPATION_CONFIG);
    const truth = await loadOccupationTruth();
    const incidents = await replayIncidents(config, OCCUPATION_VIDEO);
    const occupation = scoreIncidents(truth, incidents, dwellOf(config)).find((s) => s.type === 'occupation');
    expect(occupation?.truths).toBe(2);
    expect(occupation?.truePositives).toBe(2);
    // Nothing else: not the attended stall, not the shadow, the cloud or the shake.
    expect(occupation?.found).toBe(2);
    for (const error of occupation?.startErrors ?? []) {
      expect(error).toBeGreaterThanOrEqual(-0.5);
      expect(error).toBeLessThanOrEqual(4);
    }
    for (const error of occupation?.endErrors ?? []) {
      expect(error).toBeGreaterThanOrEqual(0);
      expect(error).toBeLessThanOrEqual(10);
    }
  }, 300_000);

  it('raises no occupation on the untouched vtest video', async () => {
    const config = await loadEdgeConfig(OCCUPATION_CONFIG);
    const incidents = await replayIncidents(config, 'fixtures/video/vtest.mp4');
    expect(incidents.filter((i) => i.type === 'occupation')).toEqual([]);
  }, 300_000);
});
