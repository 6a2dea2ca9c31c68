import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** fixtures/ground-truth/plates.json, written by fixtures/tools/build-plate-fixture.ts. */
export const PLATE_TRUTH_FILE = 'fixtures/ground-truth/plates.json';

const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const color = z.enum(['blue', 'yellow', 'green']);

const PlateTruthSchema = z.object({
  synthetic: z.literal(true),
  cases: z.array(
    z.object({
      id: z.string(),
      text: z.string(),
      color,
      plateHeight: z.number(),
      angle: z.number(),
      blur: z.number(),
      /** False: blurred past reading on purpose; the reader must leave it unread (or read it right). */
      readable: z.boolean(),
      frames: z.array(z.object({ file: z.string(), vehicle: box, plate: box })).min(1),
    }),
  ),
  video: z.object({
    file: z.string(),
    text: z.string(),
    color,
    plateHeight: z.number(),
    vehicle: box,
    plate: box,
  }),
});
export type PlateTruth = z.infer<typeof PlateTruthSchema>;
export type PlateCase = PlateTruth['cases'][number];

export async function loadPlateTruth(file = PLATE_TRUTH_FILE): Promise<PlateTruth> {
  return PlateTruthSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}
