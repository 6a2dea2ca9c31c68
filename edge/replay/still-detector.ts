import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import type { Detection } from '../detect/types.ts';
import { EdgeError } from '../errors.ts';
import { cameraFilters } from '../pipeline/build-camera-pipeline.ts';
import { applyDetectionFilters } from '../pipeline/detection-filter.ts';
import { ModelRegistry } from '../runtime/model-registry.ts';
import type { RegionSource } from '../suppress/suppression-filter.ts';
import { pickCamera } from './replay.ts';

/** One still through a camera's detection stages, boxes in the image's own pixels. */
export interface StillDetections {
  width: number;
  height: number;
  /** What the camera's tracker would be given, from the detector's score threshold up. */
  detections: Detection[];
  /** What the camera's filters (suppression regions, verifiers) dropped. */
  dropped: Detection[];
}

/**
 * A camera of an edge config applied to still images as `edge run` applies it to frames: the
 * image scaled to the camera's analysed frame size, its detectors, then its filters. A still has
 * no past, so the suppression filter judges everything on it as not moving.
 */
export class StillDetector {
  private constructor(
    private readonly config: Readonly<EdgeConfig>,
    private readonly camera: Readonly<CameraConfig>,
    private readonly models: ModelRegistry,
    private readonly suppression: RegionSource,
    private readonly scoreThreshold: number | undefined,
  ) {}

  static async load(
    config: Readonly<EdgeConfig>,
    cameraId: string | undefined,
    options: { suppression: RegionSource; scoreThreshold?: number | undefined },
  ): Promise<StillDetector> {
    const camera = pickCamera(config, cameraId);
    const models = await ModelRegistry.load(config);
    return new StillDetector(config, camera, models, options.suppression, options.scoreThreshold);
  }

  get cameraId(): string {
    return this.camera.id;
  }

  async detect(image: string): Promise<StillDetections> {
    let decoded: RawImage;
    try {
      decoded = await decodeRgb(image);
    } catch (error) {
      throw new EdgeError('IMAGE_UNREADABLE', `${image}: ${(error as Error).message}`);
    }
    const { width, height } = this.models.frameSize(this.camera);
    const frame = resizeCrop(decoded, [0, 0, decoded.width, decoded.height], width, height);
    const models = this.models.forCamera(this.camera);
    const options = {
      edgeId: this.config.edgeId,
      camera: this.camera,
      frameWidth: width,
      frameHeight: height,
      epochMs: Date.now(),
      models,
      suppression: this.suppression,
    };
    const found = await models.detect(frame);
    const kept = await applyDetectionFilters(cameraFilters(options), frame, found, 0);
    const minScore = this.scoreThreshold ?? models.minScore;
    const scale = (d: Detection): Detection => ({
      ...d,
      box: scaleBox(d.box, decoded.width / width, decoded.height / height),
    });
    return {
      width: decoded.width,
      height: decoded.height,
      detections: kept.filter((d) => d.score >= minScore).map(scale),
      dropped: found.filter((d) => d.score >= minScore && !kept.includes(d)).map(scale),
    };
  }

  dispose(): Promise<void> {
    return this.models.dispose();
  }
}

function scaleBox(box: Box, sx: number, sy: number): Box {
  return [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy];
}
