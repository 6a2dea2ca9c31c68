import { DELIVERY_ERROR_CODES } from '../foundation/delivery/errors.ts';
import { CodedError } from '../foundation/util/coded-error.ts';

/**
 * Every error code the edge process answers (the CLI, `edge run` and the local API), each with
 * what it means. A user sees `CODE: message`, where the message names the file, field or value at
 * fault; the local API's HTTP status of each code is in edge/api/api-errors.ts.
 */
export const ERROR_CODES = {
  ...DELIVERY_ERROR_CODES,
  MODEL_NOT_FOUND: 'no manifest for the named model under models/',
  MODEL_MANIFEST_INVALID: 'the manifest is not valid JSON or does not match the manifest schema',
  MODEL_FILE_MISSING: 'the model file the manifest names does not exist',
  MODEL_HASH_MISMATCH: "the model file's sha256 differs from the manifest's",
  MODEL_INPUT_MISMATCH: "the manifest's input does not match the model's real input",
  MODEL_OUTPUT_MISSING: 'the decoder reads an output the model does not have',
  MODEL_OUTPUT_MISMATCH:
    "the model's output does not have the size the manifest implies (a classifier's label count)",
  MODEL_LOAD_FAILED: 'onnxruntime could not load the model file',
  MODEL_TASK_MISMATCH:
    'the model does another task than the one asked of it (a classifier used as a detector, or the reverse)',
  IMAGE_UNREADABLE: 'the image is missing, empty or not a decodable image',
  CONFIG_NOT_FOUND: 'the config file does not exist or cannot be read',
  CONFIG_INVALID: 'the config file is not valid YAML or does not match the edge config schema',
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
  FLIGHT_GEOREFERENCE_MISSING:
    'the orthophoto (TIFF) has no georeference, or an incomplete one (GeoKeys without a tiepoint and pixel scale or a transformation, or the reverse), and no world file',
  FLIGHT_PROJECTION_UNSUPPORTED:
    "the orthophoto's coordinate system is not one this edge reads (WGS 84 or CGCS2000, geographic or transverse Mercator in metres)",
  FLIGHT_GEOTIFF_UNSUPPORTED:
    "the GeoTIFF's pixels are not 8-bit RGB or RGBA, or its compression is not one the geotiff package decodes",
  FLIGHT_GEOTIFF_CORRUPT: 'a tile or strip of the GeoTIFF cannot be read or decoded',
  FLIGHT_PERMITTED_INVALID: 'the permitted-structures file is not a GeoJSON FeatureCollection of polygons',
  FLIGHT_UPLOAD_INVALID: 'an upload to the flight endpoint has a bad flight id, file name or body',
  FEATURE_MODEL_INVALID: 'the feature-extractor model does not fit its manifest (its input or outputs)',
  RECORDER_OPTIONS_INVALID: 'a segment recorder option is missing, of the wrong type or out of range',
  RECORDER_SOURCE_UNSUPPORTED:
    'the source cannot be recorded by stream copy (HTTP MJPEG has no codec that MPEG-TS or MP4 carry)',
  CLIP_INTERVAL_INVALID: 'the clip interval is not a valid pair of dates with from before to',
  CLIP_NOT_BUFFERED: "the interval is not (or no longer) covered by the camera's segment buffer",
  CLIP_TIMEOUT: 'the segments covering the end of the interval were not recorded in time',
  CLIP_CUT_FAILED: 'ffmpeg could not write the clip from the buffered segments',
  MODEL_DOWNLOAD_FAILED:
    'a model assigned by the cloud could not be downloaded (the cloud did not answer or refused); the cached models stay in use',
  MODEL_DOWNLOAD_MISMATCH:
    'a downloaded model file or manifest does not hash to the sha256 it was assigned with, or the manifest names another model; refused, the cached models stay in use',
  MODEL_NOT_CACHED:
    'the config names a cloud model (cloud:NAME@VERSION) not in the model cache (<dataDir>/models) yet, or malformed',
  SUPPRESSION_FILE_INVALID:
    'the stored suppression regions (<dataDir>/learned/suppression.json) are not JSON or do not match their schema',
  ROUTE_NOT_FOUND: 'no local API route for this method and path',
  CAMERA_NOT_FOUND: 'no camera with this id on this edge box',
  FRAME_NOT_YET: 'the camera has not delivered a frame yet',
  LIVE_VIEW_OFF: 'the live view is disabled in the config (live.enabled)',
  EVIDENCE_NOT_FOUND: 'no evidence file with this sha256 on this edge box',
  QUERY_INVALID: 'a query parameter of the local API is out of range or not of the right type',
  BAD_REQUEST: 'the local API could not read the request',
  INTERNAL: 'the edge node failed to answer a local API request; the details are in its log',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EdgeError extends CodedError<ErrorCode> {
  override readonly name = 'EdgeError';
}

export function describeError(error: unknown): string {
  if (error instanceof EdgeError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
