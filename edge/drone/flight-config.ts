import path from 'node:path';
import { z } from 'zod';
import { codedConfigErrors } from '../../foundation/config/config-problem.ts';
import { loadConfigFile } from '../../foundation/config/load-config.ts';
import type { ConfigSpec } from '../../foundation/config/validate-config.ts';
import { DEFAULT_FEATURES_MODEL } from '../detect/model-manifest.ts';
import { EdgeError, type ErrorCode } from '../errors.ts';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-", at most 64');
const unit = z.number().min(0).max(1);

export const RegistrationSettingsSchema = z
  .strictObject({
    detector: z.enum(['orb', 'akaze']).default('orb'),
    maxFeatures: z.number().int().min(100).default(3000),
    ratio: z.number().gt(0).lt(1).default(0.8),
    ransacThresholdPx: z.number().positive().default(3),
    minMatches: z.number().int().min(4).default(30),
    minInliers: z.number().int().min(4).default(40),
    minInlierRatio: unit.default(0.25),
    maxReprojectionErrorPx: z.number().positive().default(2.5),
    minOverlap: unit.default(0.3),
  })
  .prefault({});

export const DetectionSettingsSchema = z
  .strictObject({
    /** `deep`: change-vector analysis on the ONNX backbone's features; `pixel`: the classical baseline. */
    method: z.enum(['deep', 'pixel']).default('deep'),
    /** Change score from which a pixel counts as changed; default per method. */
    threshold: z.number().positive().optional(),
    groupRadius: z.number().int().min(0).default(3),
    openRadius: z.number().int().min(0).default(2),
    minAreaPx: z.number().positive().default(150),
    maxAreaPx: z.number().positive().default(20000),
    /** Least ground area in m², where the baseline is georeferenced. */
    minAreaSquareMetres: z.number().nonnegative().default(0),
    minSolidity: unit.default(0.6),
    maxElongation: z.number().min(1).default(4),
    /** Pixels near the edge of the registered overlap that are never reported. */
    edgeMarginPx: z.number().int().min(0).default(8),
  })
  .prefault({});

/**
 * Large images (an orthomosaic, a 20-megapixel photo) are compared tile by tile at analysis
 * resolution, so that memory stays bounded whatever their size.
 */
export const TilingSettingsSchema = z
  .strictObject({
    /** A pair whose compared grid (the baseline's overlap at analysis resolution) and image are at most this many megapixels is compared whole. 0: always in tiles. */
    wholeImageMaxMegapixels: z.number().nonnegative().default(4),
    /** Side of a tile's core, in analysis pixels. */
    tileSize: z.number().int().min(64).default(512),
    /** Analysis pixels read around each core so a structure on a tile border is seen whole by the tile holding its centre. */
    overlap: z.number().int().min(0).default(128),
    /** Ground sampling distance to compare at, where the baseline is georeferenced; default: the baseline's own. */
    analysisMetresPerPixel: z.number().positive().optional(),
    /** Size of the overview both images are registered on first (the coarse alignment). */
    overviewMegapixels: z.number().positive().default(1),
    /** How far (analysis pixels) a tile's own registration may move a tile corner away from the coarse alignment. */
    maxTileShiftPx: z.number().positive().default(24),
  })
  .prefault({});

export const AreaSchema = z.strictObject({
  id,
  name: z.string().optional(),
  /** Folder of the baseline: the last accepted flight or a reference mosaic (images, with world files when georeferenced). */
  baseline: z.string().min(1),
  /** [minLon, minLat, maxLon, maxLat]; default: the baseline images' footprints. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  /** GeoJSON FeatureCollection of permitted structures and approved building works. */
  permitted: z.string().min(1).optional(),
});

/** What the drone path needs besides where it runs: the areas, the feature model and the settings. */
export const FlightSettingsSchema = z.strictObject({
  /** Feature extractor: a model folder under models/ or a manifest path. */
  model: z.string().min(1).default(DEFAULT_FEATURES_MODEL),
  areas: z.array(AreaSchema).min(1),
  registration: RegistrationSettingsSchema,
  detection: DetectionSettingsSchema,
  tiling: TilingSettingsSchema,
});

/** Area ids name baselines and events' cameraId: each once. */
export function checkUniqueAreaIds(
  settings: { areas: readonly { id: string }[] },
  ctx: z.RefinementCtx,
): void {
  const ids = settings.areas.map((a) => a.id);
  ids.forEach((areaId, k) => {
    if (ids.indexOf(areaId) !== k)
      ctx.addIssue({
        code: 'custom',
        path: ['areas', k, 'id'],
        message: `area id "${areaId}" is used twice`,
      });
  });
}

/** The config of `edge flight`: the settings plus the edge id and a folder for evidence crops. */
export const FlightConfigSchema = FlightSettingsSchema.extend({
  edgeId: id,
  /** Folder for before/after evidence crops. */
  evidenceDir: z.string().min(1).default('evidence'),
}).superRefine(checkUniqueAreaIds);

export type FlightConfig = z.infer<typeof FlightConfigSchema>;
export type FlightSettings = z.infer<typeof FlightSettingsSchema>;
export type DetectionSettings = z.infer<typeof DetectionSettingsSchema>;
export type TilingSettings = z.infer<typeof TilingSettingsSchema>;

export const DEFAULT_THRESHOLDS = { deep: 1.8, pixel: 0.1 } as const;

const FLIGHT_CONFIG: ConfigSpec<typeof FlightConfigSchema, ErrorCode> = {
  schema: FlightConfigSchema,
  errors: codedConfigErrors<ErrorCode>('FLIGHT_CONFIG_NOT_FOUND', 'FLIGHT_CONFIG_INVALID', EdgeError),
  resolvePaths: (config, dir) => ({
    ...resolveFlightPaths(config, dir),
    evidenceDir: path.resolve(dir, config.evidenceDir),
  }),
};

/** Loads, validates and freezes a flight config; relative paths are taken from its folder. */
export function loadFlightConfig(file: string): Promise<Readonly<FlightConfig>> {
  return loadConfigFile(file, FLIGHT_CONFIG);
}

/** The settings' file paths (baselines, permits, a model given as a manifest path) made absolute against `dir`. */
export function resolveFlightPaths<T extends FlightSettings>(settings: T, dir: string): T {
  const resolve = (p: string) => path.resolve(dir, p);
  return {
    ...settings,
    model: settings.model.endsWith('.json') ? resolve(settings.model) : settings.model,
    areas: settings.areas.map((a) => ({
      ...a,
      baseline: resolve(a.baseline),
      ...(a.permitted ? { permitted: resolve(a.permitted) } : {}),
    })),
  };
}
