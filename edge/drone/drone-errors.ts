/**
 * Error codes of drone-flight processing, each with what it means. A user sees `CODE: message`.
 * (To be merged into edge/common/errors.ts's catalogue.)
 */
export const DRONE_ERROR_CODES = {
  FLIGHT_CONFIG_INVALID: 'the flight config is not valid YAML or does not match the flight config schema',
  FLIGHT_CONFIG_NOT_FOUND: 'the flight config file does not exist or cannot be read',
  FLIGHT_NOT_FOUND: 'the flight folder does not exist or holds no images',
  FLIGHT_IMAGE_UNREADABLE: 'the image is missing, empty or not a decodable image',
  FLIGHT_IMAGE_TOO_SMALL: 'the image is too small to register and compare',
  FLIGHT_WORLD_FILE_INVALID: 'the world file beside an image does not have six numbers',
  FLIGHT_AREA_UNKNOWN:
    'the image is georeferenced outside every configured area, or is not georeferenced and the flight names no area',
  FLIGHT_BASELINE_MISSING: 'the area has no baseline image to compare with',
  FLIGHT_REGISTRATION_FAILED:
    'the image could not be registered to its baseline precisely enough (too few matches or inliers, or too large an error) and is not compared',
  FLIGHT_PERMITTED_INVALID: 'the permitted-structures file is not a GeoJSON FeatureCollection of polygons',
  FLIGHT_UPLOAD_INVALID: 'an upload to the flight endpoint has a bad flight id, file name or body',
  FEATURE_MODEL_INVALID: 'the feature-extractor manifest or model does not fit (schema, hash, outputs)',
} as const;

export type DroneErrorCode = keyof typeof DRONE_ERROR_CODES;

export class DroneError extends Error {
  readonly code: DroneErrorCode;

  constructor(code: DroneErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'DroneError';
    this.code = code;
  }
}
