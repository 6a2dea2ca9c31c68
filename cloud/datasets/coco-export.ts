import { createHash } from 'node:crypto';
import type { Review } from '../labels/label-schema.ts';
import type { LabelledSnapshot } from '../repositories/label-repository.ts';

/** The two parts of a dataset: never one incident in both. */
export type Split = 'train' | 'val';

/**
 * The split of an incident: the first 32 bits of sha256("incident:" + id) as a fraction of 2^32,
 * below `valFraction` → val. Every frame of one incident lands in the same part (a model must not
 * be validated on frames of incidents it was trained on), and the same incident always lands in
 * the same part, whoever exports.
 */
export function splitOf(incidentKey: string, valFraction: number): Split {
  const hash = createHash('sha256').update(`incident:${incidentKey}`).digest();
  return hash.readUInt32BE(0) / 2 ** 32 < valFraction ? 'val' : 'train';
}

/** A labelled snapshot whose image was read: its pixel size is what COCO boxes are measured in. */
export interface ExportedSnapshot extends LabelledSnapshot {
  review: Review | null;
  width: number;
  height: number;
}

type Box = readonly [number, number, number, number] | readonly number[];

/** A normalised [x1, y1, x2, y2] as COCO's pixel [x, y, width, height], to 1/100 pixel. */
export function cocoBox(box: Box, width: number, height: number): [number, number, number, number] {
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = box;
  const r = (v: number) => Math.round(v * 100) / 100;
  return [r(x1 * width), r(y1 * height), r((x2 - x1) * width), r((y2 - y1) * height)];
}

/** The file name of a snapshot in the dataset's images/ folder. */
export const imageFileName = (sha256: string) => `${sha256}.jpg`;

interface CocoParts {
  images: Record<string, unknown>[];
  annotations: Record<string, unknown>[];
  /** AI boxes reviewers said are no object: not annotations, kept for false-positive suppression. */
  rejected: Record<string, unknown>[];
}

export interface CocoDataset {
  categories: { id: number; name: string; supercategory: string }[];
  parts: Record<Split, CocoParts>;
  /** Incidents in each part. */
  incidents: Record<Split, number>;
  /** AI boxes left without a verdict (not annotated: the reviewer did not say). */
  unjudged: number;
}

/**
 * The COCO documents of labelled snapshots: right → the AI's label, wrong label → the corrected
 * one, drawn → the drawn label; not an object → no annotation, but an entry of `rejected`.
 * Image and annotation ids run across both parts, so they never collide when merged.
 */
export function buildCoco(snapshots: readonly ExportedSnapshot[], valFraction: number): CocoDataset {
  const names = new Set<string>();
  for (const { labels, event } of snapshots) {
    for (const o of labels.objects) {
      if (o.verdict === 'wrong_label') names.add(o.label);
      else if (o.verdict === 'right') names.add(event.objects[o.index]?.label ?? '');
    }
    for (const d of labels.drawn) names.add(d.label);
  }
  names.delete('');
  const categories = [...names].sort().map((name, i) => ({ id: i + 1, name, supercategory: '' }));
  const categoryId = new Map(categories.map((c) => [c.name, c.id]));
  const parts: Record<Split, CocoParts> = {
    train: { images: [], annotations: [], rejected: [] },
    val: { images: [], annotations: [], rejected: [] },
  };
  const incidents = { train: new Set<string>(), val: new Set<string>() };
  let annotationId = 0;
  let unjudged = 0;
  for (const [i, snapshot] of snapshots.entries()) {
    const { event, labels, width, height } = snapshot;
    const incidentKey = String(snapshot.incidentId ?? event.incidentId);
    const split = splitOf(incidentKey, valFraction);
    incidents[split].add(incidentKey);
    const part = parts[split];
    const imageId = i + 1;
    const judged = new Set(labels.objects.map((o) => o.index));
    const left = event.objects.length - judged.size;
    unjudged += left;
    part.images.push({
      id: imageId,
      file_name: imageFileName(event.evidence.snapshot?.sha256 ?? ''),
      width,
      height,
      date_captured: event.observedAt,
      sha256: event.evidence.snapshot?.sha256,
      camera_id: event.cameraId,
      edge_id: event.edgeId,
      event_id: event.eventId,
      incident_id: incidentKey,
      ticket_id: snapshot.ticketId,
      type: event.type,
      scenario: event.scenario,
      review: snapshot.review?.action ?? null,
      review_reason: snapshot.review?.reason ?? null,
      labelled_by: labels.labelledBy,
      labelled_at: labels.labelledAt,
      label_revision: labels.revision,
      unjudged_boxes: left,
    });
    const annotate = (label: string, box: Box, attributes: Record<string, unknown>) => {
      const bbox = cocoBox(box, width, height);
      part.annotations.push({
        id: ++annotationId,
        image_id: imageId,
        category_id: categoryId.get(label),
        bbox,
        area: Math.round(bbox[2] * bbox[3] * 100) / 100,
        iscrowd: 0,
        segmentation: [],
        attributes,
      });
    };
    for (const o of labels.objects) {
      const ai = event.objects[o.index];
      if (!ai) continue;
      const seen = { ai_label: ai.label, ai_score: ai.score, track_id: ai.trackId };
      if (o.verdict === 'right') annotate(ai.label, ai.box, { verdict: 'right', ...seen });
      else if (o.verdict === 'wrong_label') annotate(o.label, ai.box, { verdict: 'wrong_label', ...seen });
      else {
        part.rejected.push({
          id: ++annotationId,
          image_id: imageId,
          label: ai.label,
          category_id: categoryId.get(ai.label) ?? null,
          bbox: cocoBox(ai.box, width, height),
          score: ai.score,
          track_id: ai.trackId,
          camera_id: event.cameraId,
        });
      }
    }
    for (const d of labels.drawn) annotate(d.label, d.box, { verdict: 'drawn' });
  }
  return {
    categories,
    parts,
    incidents: { train: incidents.train.size, val: incidents.val.size },
    unjudged,
  };
}
