import type { z } from 'zod';
import { cameraSchema } from '../../foundation/edge-config/camera-schema.ts';
import { ScenarioSchema } from '../scenarios/registry.ts';

/** One camera of the edge config: the shared schema, with every scenario type this edge knows. */
export const CameraSchema = cameraSchema(ScenarioSchema);

export type CameraConfig = z.infer<typeof CameraSchema>;
