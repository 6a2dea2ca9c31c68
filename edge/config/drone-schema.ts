import { z } from 'zod';
import { checkUniqueAreaIds, FlightSettingsSchema } from '../drone/flight-config.ts';

/**
 * Drone flights compared on this box: the flight settings of `edge flight` (areas, model,
 * registration, detection), a folder the watcher takes flights from, and where the local API's
 * uploads go. Paths are relative to the config file.
 */
export const DroneSchema = FlightSettingsSchema.extend({
  /** Folder that flights land in, one sub-folder each; each is compared once its files settle. */
  inbox: z.string().min(1),
  /** Where `PUT /flights/:flightId/images/:fileName` stores uploads; default `<dataDir>/flight-uploads`. */
  uploadDir: z.string().min(1).optional(),
  /** A flight is taken once its files have not changed for this long. */
  settleSeconds: z.number().nonnegative().default(5),
  pollSeconds: z.number().positive().default(2),
}).superRefine(checkUniqueAreaIds);
