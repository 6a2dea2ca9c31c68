import { z } from 'zod';
import { ID_MESSAGE, ID_PATTERN } from './config-fields.ts';

/** The detector a box runs when its config names none (a folder under models/). */
export const DEFAULT_MODEL = 'nanodet-g-416';

/**
 * A model the cameras can use, by alias. `manifest` is a model name (its folder under models/) or
 * a path to a manifest .json (relative paths are taken from the config file's folder).
 */
const ModelRefSchema = z.strictObject({
  manifest: z
    .string()
    .min(1)
    .refine((m) => /^[a-z0-9][a-z0-9._-]*$/.test(m) || m.endsWith('.json'), {
      message: 'a model name (a folder under models/) or a path to a manifest .json',
    }),
});

/** The alias a camera's `models` and scenarios use for the detector when none are configured. */
export const DEFAULT_DETECTOR_ALIAS = 'detector';

/** Models by alias; absent: the default detector as "detector". */
export const ModelsSchema = z
  .record(z.string().regex(ID_PATTERN, ID_MESSAGE), ModelRefSchema)
  .default(() => ({ [DEFAULT_DETECTOR_ALIAS]: { manifest: DEFAULT_MODEL } }));
