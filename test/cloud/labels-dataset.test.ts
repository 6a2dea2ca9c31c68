import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitOf } from '../../cloud/datasets/coco-export.ts';
import { annotationFile, exportDataset } from '../../cloud/datasets/export-dataset.ts';
import { importDataset } from '../../cloud/datasets/import-dataset.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { LabelService } from '../../cloud/services/label-service.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { publishSnapshot, storeFrame } from './support/labelled-snapshots.ts';

const CVAT = path.resolve('fixtures/datasets/cvat-coco/annotations/instances_default.json');
const LABEL_STUDIO = path.resolve('fixtures/datasets/label-studio-coco/result.json');
const operator = { name: 'operator', role: 'operator' as const };
type Coco = {
  images: Record<string, unknown>[];
  annotations: {
    image_id: number;
    category_id: number;
    bbox: number[];
    attributes: Record<string, unknown>;
  }[];
  rejected: { image_id: number; label: string; bbox: number[] }[];
  categories: { id: number; name: string }[];
};

describe.each(backends)('datasets: COCO export and import of reviewed labels on $name', (backend) => {
  let opened: Awaited<ReturnType<typeof openCore>>;
  let labels: LabelService;
  let evidence: DiskEvidenceStore;
  let tmp: string;
  const shas: Record<string, string> = {};
  const ticketOf = async (sha: string) => (await labels.snapshotEvent(sha))?.ticketId as number;
  const exportTo = (name: string, filter: Record<string, unknown> = {}) =>
    exportDataset(labels, evidence, {
      out: path.join(tmp, name),
      valFraction: 0.5,
      now: opened.clock.now(),
      ...filter,
    });
  const readPart = async (dir: string, split: 'train' | 'val') =>
    JSON.parse(await readFile(path.join(tmp, dir, annotationFile(split)), 'utf8')) as Coco;
  const importFile = (file: string, options: Record<string, unknown> = {}) =>
    importDataset(labels, {
      file,
      categoryMap: new Map(),
      newLabels: false,
      overwrite: false,
      by: 'import',
      now: opened.clock.now(),
      ...options,
    });

  beforeAll(async () => {
    opened = await openCore(backend, '2026-11-21T06:00:00Z');
    labels = new LabelService(opened.core.store, opened.core.tickets);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'labels-dataset-'));
    evidence = await DiskEvidenceStore.open(path.join(tmp, 'evidence'));
    for (const frame of ['0099', '0132', '0165', '0198']) {
      const stored = await storeFrame(evidence, `vtest-${frame}.jpg`);
      shas[frame] = stored.sha256;
      Object.assign(shas, { [`${frame}size`]: String(stored.size) });
    }
    const snap = (frame: string) => ({ sha256: shas[frame] as string, size: Number(shas[`${frame}size`]) });
    const three: [string, [number, number, number, number]][] = [
      ['person', [0.1, 0.4, 0.2, 0.8]],
      ['person', [0.5, 0.3, 0.6, 0.5]],
      ['person', [0.7, 0.6, 0.72, 0.65]],
    ];
    // Incident A: two frames (two snapshots); B, later at the same camera; C at another camera.
    await publishSnapshot(opened.core, {
      cameraId: 'ln-market',
      key: 'a',
      startedAt: '2026-11-21T03:00:00Z',
      snapshot: snap('0099'),
      objects: three,
    });
    await publishSnapshot(opened.core, {
      cameraId: 'ln-market',
      key: 'a',
      sequence: 1,
      startedAt: '2026-11-21T03:00:00Z',
      snapshot: snap('0198'),
      objects: [['person', [0.12, 0.4, 0.22, 0.8]]],
    });
    await publishSnapshot(opened.core, {
      cameraId: 'ln-market',
      key: 'b',
      startedAt: '2026-11-21T05:00:00Z',
      snapshot: snap('0132'),
      objects: [
        ['person', [0.3, 0.3, 0.4, 0.7]],
        ['umbrella', [0.45, 0.2, 0.6, 0.4]],
      ],
    });
    await publishSnapshot(opened.core, {
      cameraId: 'ln-school',
      key: 'c',
      type: 'loitering',
      startedAt: '2026-11-21T04:00:00Z',
      snapshot: snap('0165'),
      objects: three,
    });

    const at = opened.clock.now();
    const save = async (frame: string, body: Parameters<LabelService['save']>[3]) =>
      labels.save(operator, await ticketOf(shas[frame] as string), shas[frame] as string, body, at);
    await save('0099', {
      baseRevision: 0,
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'wrong_label', label: 'umbrella' },
        { index: 2, verdict: 'not_object' },
      ],
      drawn: [{ box: [0.8, 0.1, 0.9, 0.4], label: 'person' }],
    });
    await save('0198', { baseRevision: 0, objects: [{ index: 0, verdict: 'right' }], drawn: [] });
    await save('0132', {
      baseRevision: 0,
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'not_object' },
      ],
      drawn: [],
    });
    await opened.core.tickets.transition(
      await ticketOf(shas['0099'] as string),
      { action: 'confirm' },
      operator,
      at,
    );
    await opened.core.tickets.transition(
      await ticketOf(shas['0132'] as string),
      { action: 'reject', reason: 'false_detection' },
      operator,
      at,
    );
  });
  afterAll(async () => {
    await opened?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exports the clean snapshots and COCO files whose boxes follow the verdicts, split by incident', async () => {
    const summary = await exportTo('all');
    expect(summary.missingSnapshots).toEqual([]);
    expect(summary.images.train + summary.images.val).toBe(3);
    expect(summary.categories).toEqual(['person', 'umbrella']);
    const parts = { train: await readPart('all', 'train'), val: await readPart('all', 'val') };
    const images = [...parts.train.images, ...parts.val.images];
    for (const image of images) {
      const bytes = await readFile(path.join(tmp, 'all', 'images', image.file_name as string));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.sha256);
      expect(image).toMatchObject({
        width: 768,
        height: 576,
        camera_id: 'ln-market',
        labelled_by: 'operator',
      });
    }
    // Every frame of an incident is in the part its incident hashes to: A's two frames together.
    for (const split of ['train', 'val'] as const)
      for (const image of parts[split].images) expect(splitOf(String(image.incident_id), 0.5)).toBe(split);
    const a = images.filter((i) => i.sha256 === shas['0099'] || i.sha256 === shas['0198']);
    expect(new Set(a.map((i) => i.incident_id)).size).toBe(1);

    const first = images.find((i) => i.sha256 === shas['0099']) as Record<string, unknown>;
    expect(first).toMatchObject({ review: 'confirm', unjudged_boxes: 0 });
    const part = parts.train.images.includes(first) ? parts.train : parts.val;
    const cat = (id: number) => part.categories.find((c) => c.id === id)?.name;
    const mine = part.annotations.filter((x) => x.image_id === first.id);
    expect(mine.map((x) => [cat(x.category_id), x.attributes.verdict, x.bbox])).toEqual([
      ['person', 'right', [76.8, 230.4, 76.8, 230.4]],
      ['umbrella', 'wrong_label', [384, 172.8, 76.8, 115.2]],
      ['person', 'drawn', [614.4, 57.6, 76.8, 172.8]],
    ]);
    expect(part.rejected.filter((x) => x.image_id === first.id)).toEqual([
      expect.objectContaining({ label: 'person', bbox: [537.6, 345.6, 15.36, 28.8] }),
    ]);
    const rejected = images.find((i) => i.sha256 === shas['0132']);
    expect(rejected).toMatchObject({ review: 'reject', review_reason: 'false_detection' });
    const manifest = JSON.parse(await readFile(path.join(tmp, 'all', 'dataset.json'), 'utf8'));
    expect(manifest.split).toMatchObject({ by: 'incident', valFraction: 0.5 });
  });

  it('refuses to export into a folder that holds files', async () => {
    await expect(exportTo('all')).rejects.toMatchObject({ code: 'DATASET_OUT_NOT_EMPTY' });
  });

  it("imports CVAT's COCO: categories by name, boxes matched to the AI's, unknown images reported", async () => {
    const report = await importFile(CVAT);
    expect(report).toMatchObject({ tool: 'cvat', images: 2, unknownCategories: [], skippedAnnotations: 0 });
    expect(report.outcomes.created).toEqual([shas['0165']]);
    expect(report.unmatched).toEqual([
      { fileName: 'frame_000042.jpg', reason: 'no sha256 in its name (give --images DIR)' },
    ]);
    const stored = await labels.forTicket(
      operator,
      await ticketOf(shas['0165'] as string),
      shas['0165'] as string,
    );
    expect(stored.labels).toMatchObject({
      labelledBy: 'import',
      source: 'import',
      note: 'cvat COCO: instances_default.json',
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'wrong_label', label: 'umbrella' },
        { index: 2, verdict: 'not_object' },
      ],
      drawn: [{ label: 'person', box: [600 / 768, 100 / 576, 640 / 768, 220 / 576] }],
    });
    expect((await importFile(CVAT)).outcomes.unchanged).toEqual([shas['0165']]);
  });

  it("imports Label Studio's COCO: unknown categories reported, conflicts kept unless --overwrite", async () => {
    const strict = await importFile(LABEL_STUDIO);
    expect(strict).toMatchObject({ tool: 'label-studio', unknownCategories: ['hawker cart'] });
    expect(strict.skippedForUnknownCategories).toHaveLength(1);
    const conflict = await importFile(LABEL_STUDIO, { newLabels: true });
    expect(conflict.outcomes.conflict).toEqual([shas['0132']]);
    const sha = shas['0132'] as string;
    const ticket = await ticketOf(sha);
    expect((await labels.forTicket(operator, ticket, sha)).labels?.labelledBy).toBe('operator');
    const overwritten = await importFile(LABEL_STUDIO, {
      newLabels: true,
      overwrite: true,
      by: 'label-studio-team',
    });
    expect(overwritten.outcomes.overwritten).toEqual([sha]);
    const now = await labels.forTicket(operator, ticket, sha);
    expect(now.labels).toMatchObject({
      revision: 2,
      labelledBy: 'label-studio-team',
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'right' },
      ],
      drawn: [{ label: 'hawker cart' }],
    });
    expect(now.history.map((h) => [h.revision, h.labelledBy, h.source])).toEqual([
      [2, 'label-studio-team', 'import'],
      [1, 'operator', 'operator'],
    ]);
  });

  it('filters by camera, time and scenario, and reads its own export back unchanged', async () => {
    const school = await exportTo('school', { cameraId: 'ln-school' });
    expect(school.images.train + school.images.val).toBe(1);
    const later = await exportTo('later', { since: new Date('2026-11-21T04:30:00Z') });
    expect(later.images.train + later.images.val).toBe(1);
    const loitering = await exportTo('loitering', { scenario: 'loitering' });
    expect(loitering.images.train + loitering.images.val).toBe(1);
    const all = await exportTo('again');
    for (const split of ['train', 'val'] as const) {
      if (all.images[split] === 0) continue;
      const report = await importFile(path.join(tmp, 'again', annotationFile(split)));
      expect(report.outcomes.unchanged).toHaveLength(all.images[split]);
      expect(report.unmatched).toEqual([]);
    }
  });

  it('refuses a file that is not COCO, naming the field', async () => {
    const bad = path.join(tmp, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        images: [{ id: 1, file_name: 'x.jpg', width: 0, height: 5 }],
        annotations: [],
        categories: [{ id: 1, name: 'person' }],
      }),
    );
    await expect(importFile(bad)).rejects.toMatchObject({
      code: 'DATASET_FILE_INVALID',
      message: expect.stringContaining('images.0.width'),
    });
    await cp(CVAT, path.join(tmp, 'broken.json'));
    await writeFile(path.join(tmp, 'broken.json'), '{"images": [');
    await expect(importFile(path.join(tmp, 'broken.json'))).rejects.toMatchObject({
      code: 'DATASET_FILE_INVALID',
    });
  });
});
