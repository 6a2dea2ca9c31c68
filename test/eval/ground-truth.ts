import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const BoxSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, 'box needs x2 > x1 and y2 > y1');

export const GroundTruthSchema = z.object({
  version: z.literal(1),
  video: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  labelledBy: z.string().min(1),
  classes: z.array(z.string().min(1)).min(1),
  frames: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        image: z.string().min(1),
        objects: z.array(
          z.object({ label: z.string().min(1), box: BoxSchema, ignore: z.boolean().optional() }),
        ),
      }),
    )
    .min(1),
});

export type GroundTruth = z.infer<typeof GroundTruthSchema>;

export const VTEST_GROUND_TRUTH = 'fixtures/ground-truth/vtest.json';

export async function loadGroundTruth(file = VTEST_GROUND_TRUTH): Promise<GroundTruth> {
  const parsed = GroundTruthSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
