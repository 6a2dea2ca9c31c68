import { CloudError } from '../errors.ts';
import type { DrawnBox, ObjectLabel } from './label-schema.ts';

/**
 * Refuses (LABELS_INVALID) verdicts on boxes the snapshot's event does not have, two verdicts on
 * one box, and a "wrong label" that names the AI's own label.
 */
export function checkObjectLabels(
  objects: readonly ObjectLabel[],
  aiLabels: readonly string[],
  where: string,
): void {
  const seen = new Set<number>();
  for (const [position, object] of objects.entries()) {
    const at = `${where}: objects[${position}]`;
    if (object.index >= aiLabels.length) {
      throw new CloudError(
        'LABELS_INVALID',
        `${at}: index ${object.index}, but the snapshot's event has ${aiLabels.length} object(s)`,
        { position, index: object.index },
      );
    }
    if (seen.has(object.index))
      throw new CloudError('LABELS_INVALID', `${at}: object ${object.index} is judged twice`, { position });
    seen.add(object.index);
    if (object.verdict === 'wrong_label' && object.label === aiLabels[object.index]) {
      throw new CloudError(
        'LABELS_INVALID',
        `${at}: "${object.label}" is the AI's own label; a wrong label names the right one`,
        { position },
      );
    }
  }
}

/** The same labels, whatever order they were given in: an import that changes nothing is no conflict. */
export function sameLabels(
  a: { objects: readonly ObjectLabel[]; drawn: readonly DrawnBox[] },
  b: { objects: readonly ObjectLabel[]; drawn: readonly DrawnBox[] },
): boolean {
  return canonical(a) === canonical(b);
}

/** Box corners are compared to 1/1000 of the image: a round trip through pixels moves them a little. */
function canonical(labels: { objects: readonly ObjectLabel[]; drawn: readonly DrawnBox[] }): string {
  const objects = [...labels.objects]
    .sort((x, y) => x.index - y.index)
    .map((o) => `${o.index}:${o.verdict}:${'label' in o ? o.label : ''}`);
  const drawn = labels.drawn
    .map((d) => `${d.label}@${d.box.map((v) => Math.round(v * 1000)).join(',')}`)
    .sort();
  return JSON.stringify([objects, drawn]);
}
