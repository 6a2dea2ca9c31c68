import { describe, expect, it } from 'vitest';
import { loadOpenCv } from '../../edge/drone/opencv.ts';
import { decodeRgb } from '../../edge/drone/raster.ts';
import { registerImage } from '../../edge/drone/registration.ts';
import { describeError } from '../../edge/errors.ts';
import { baselineToPhoto } from '../../fixtures/tools/drone-camera.ts';
import { SHOTS } from '../../fixtures/tools/drone-shots.ts';
import { applyHomography } from '../../foundation/geometry/homography.ts';

const SETTINGS = {
  detector: 'orb' as const,
  maxFeatures: 3000,
  ratio: 0.8,
  ransacThresholdPx: 3,
  minMatches: 30,
  minInliers: 40,
  minInlierRatio: 0.25,
  maxReprojectionErrorPx: 2.5,
  minOverlap: 0.3,
};

describe('registration (ORB + RANSAC homography)', () => {
  it('recovers the known mapping of a relit, distorted view to within a few pixels', async () => {
    const cv = await loadOpenCv();
    const shot = SHOTS.find((s) => s.file === 'DJI_0101.jpg');
    if (!shot) throw new Error('no shot DJI_0101.jpg');
    const baseline = await decodeRgb('fixtures/drone/areas/liwan-aero1/baseline/aero1.jpg');
    const image = await decodeRgb(`fixtures/drone/flights/${shot.flight}/${shot.file}`);
    const { homography, quality } = registerImage(cv, baseline, image, SETTINGS, shot.file);
    expect(quality.inliers).toBeGreaterThan(500);
    expect(quality.reprojectionErrorPx).toBeLessThan(2);
    expect(quality.overlap).toBeGreaterThan(0.6);
    let worst = 0;
    for (const [x, y] of [
      [120, 100],
      [320, 240],
      [520, 380],
      [150, 400],
      [500, 90],
    ] as const) {
      const [u, v] = baselineToPhoto(shot, x, y);
      const [bx, by] = applyHomography(homography, u, v);
      worst = Math.max(worst, Math.hypot(bx - x, by - y));
    }
    expect(worst).toBeLessThan(3);
  });

  it('refuses a featureless image, naming what is missing', async () => {
    const cv = await loadOpenCv();
    const baseline = await decodeRgb('fixtures/drone/areas/liwan-aero1/baseline/aero1.jpg');
    const grey = { data: new Uint8Array(320 * 240 * 3).fill(128), width: 320, height: 240 };
    const refusal = (() => {
      try {
        registerImage(cv, baseline, grey, SETTINGS, 'grey.jpg');
      } catch (error) {
        return describeError(error);
      }
    })();
    expect(refusal).toMatch(
      /^FLIGHT_REGISTRATION_FAILED: grey\.jpg: too few keypoints \(0 keypoints in the image/,
    );
  });
});
