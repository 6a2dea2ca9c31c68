import { z } from 'zod';

/**
 * The COCO object-detection format (cocodataset.org/#format-data) as this cloud reads it: what
 * CVAT ("COCO 1.0") and Label Studio ("COCO") export. Fields besides these are allowed and
 * ignored; ids may start at 0 (Label Studio) or 1 (CVAT).
 */
const CocoId = z.number().int().min(0);

export const CocoImageSchema = z.looseObject({
  id: CocoId,
  file_name: z.string().min(1).max(1000),
  width: z.number().positive(),
  height: z.number().positive(),
});

export const CocoCategorySchema = z.looseObject({ id: CocoId, name: z.string().min(1).max(200) });

export const CocoAnnotationSchema = z.looseObject({
  id: CocoId,
  image_id: CocoId,
  category_id: CocoId,
  /** Pixels: [x, y, width, height] from the image's top-left corner. */
  bbox: z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]),
});

export const CocoFileSchema = z.looseObject({
  info: z.looseObject({ contributor: z.unknown().optional() }).optional(),
  images: z.array(CocoImageSchema),
  annotations: z.array(CocoAnnotationSchema),
  categories: z.array(CocoCategorySchema).min(1, 'a COCO file names its categories'),
});
export type CocoFile = z.infer<typeof CocoFileSchema>;
export type CocoAnnotation = z.infer<typeof CocoAnnotationSchema>;

/** Which tool wrote a COCO file, as far as it shows: for the audit trail's note. */
export function cocoTool(file: CocoFile): 'label-studio' | 'cvat' | 'coco' {
  if (file.info?.contributor === 'Label Studio') return 'label-studio';
  const attributes = file.annotations[0]?.attributes as Record<string, unknown> | undefined;
  if (attributes && 'occluded' in attributes) return 'cvat';
  return 'coco';
}
