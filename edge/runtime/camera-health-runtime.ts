import { createHash } from 'node:crypto';
import type { CameraConfig } from '../config/camera-schema.ts';
import { CameraHealthMonitor } from '../health/camera-health.ts';

/** The name and version `camera_fault` events give as their model: the diagnosis itself. */
const DIAGNOSIS = { name: 'camera-health', version: '1' };

/**
 * The camera's health diagnosis, or undefined when its config turns it off. The events' model
 * digest is that of the diagnosis' settings, so the cloud can tell which thresholds raised a fault.
 */
export function startCameraHealth(
  edgeId: string,
  camera: Readonly<CameraConfig>,
  frame: { width: number; height: number },
  epochMs: number,
): CameraHealthMonitor | undefined {
  if (!camera.health.enabled) return undefined;
  const sha256 = createHash('sha256')
    .update(JSON.stringify({ ...DIAGNOSIS, settings: camera.health }))
    .digest('hex');
  return new CameraHealthMonitor({
    edgeId,
    cameraId: camera.id,
    epochMs,
    frame,
    config: camera.health,
    model: { ...DIAGNOSIS, sha256 },
  });
}
