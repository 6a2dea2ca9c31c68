import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../support/temp-dir.ts';
import { runEdge } from './run-cli.ts';

const FRAME = 'fixtures/frames/vtest-0099.jpg';

describe('edge detect', () => {
  const tempDir = useTempDir('edge-detect-');

  it('prints one JSON object per image, reports a bad image and still runs the rest', async () => {
    const corrupt = path.join(tempDir(), 'corrupt.jpg');
    await writeFile(corrupt, Buffer.from('not a jpeg at all'));
    const missing = path.join(tempDir(), 'missing.jpg');
    const annotated = path.join(tempDir(), 'annotated');
    const result = await runEdge(
      `detect ${corrupt} ${FRAME} ${missing} --json --threshold 0.4 --annotate ${annotated}`,
    );
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image)).toEqual([corrupt, FRAME, missing]);
    expect(lines[0].error).toMatch(/IMAGE_UNREADABLE.*corrupt\.jpg/);
    expect(lines[2].error).toMatch(/IMAGE_UNREADABLE.*missing\.jpg/);
    const detections = lines[1].detections as { label: string; score: number; box: number[] }[];
    expect(detections.filter((d) => d.label === 'person').length).toBeGreaterThanOrEqual(5);
    expect(detections.every((d) => d.score >= 0.4 && d.box.length === 4)).toBe(true);
    const van = detections.find(
      (d) => ['truck', 'car'].includes(d.label) && (d.box[0] ?? 0) > 600 && (d.box[1] ?? 999) < 80,
    );
    expect(van, 'the white van parked top right').toBeDefined();
    expect(result.stderr).toContain('corrupt.jpg');
    expect(result.code).toBe(1);
    const meta = await sharp(path.join(annotated, 'vtest-0099.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 768, 576]);
  });

  it('refuses an unknown model with the list of available ones', async () => {
    const result = await runEdge(`detect ${FRAME} --model yolo-nonexistent`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/MODEL_NOT_FOUND.*yolo-nonexistent.*nanodet-g-416/);
  });

  it('refuses a threshold outside 0..1', async () => {
    const result = await runEdge(`detect ${FRAME} --threshold 7`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('"7" is not a number from 0 to 1');
  });
});
