import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { annotationFile, exportDataset } from '../../cloud/datasets/export-dataset.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { LabelService } from '../../cloud/services/label-service.ts';
import { EventSchema } from '../../foundation/contract/events.ts';
import {
  ARTIFACTS,
  edgeClient,
  launchChromium,
  publishEvent,
  signIn,
  startEvent,
  uploadEvidence,
} from './support/ui-cloud.ts';

const SNAPSHOT = path.resolve('fixtures/frames/vtest-0099.jpg');
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

describe('an operator labels a snapshot in the ticket view (chromium, real cloud)', () => {
  let cloud: RunningCloud;
  let evidenceDir: string;
  let browser: Browser;
  let page: Page;
  let edge: MqttClient;
  let ticketId = 0;
  let sha256: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'labels-ui-'));
    const base = await loadCloudConfig(path.resolve('fixtures/cloud/cloud.yaml'));
    cloud = await startCloud(
      {
        ...base,
        api: { host: '127.0.0.1', port: 0 },
        mqtt: { ...base.mqtt, embeddedPort: 0 },
        evidence: { dir: path.join(evidenceDir, 'store') },
      },
      { logger: false },
    );
    browser = await launchChromium();
    page = await (
      await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 1000 } })
    ).newPage();
    edge = await edgeClient(cloud.mqttUrl, 'lingnan-hub');
    sha256 = await uploadEvidence(cloud.url, 'lingnan-hub', SNAPSHOT);
    const now = new Date();
    const event = startEvent({
      edgeId: 'lingnan-hub',
      cameraId: 'ln-market',
      type: 'street_vending',
      key: `labels-${now.getTime()}`,
      startedAt: now,
      confidence: 0.8,
      snapshot: { sha256, size: (await stat(SNAPSHOT)).size },
    });
    // Two people, as the helper publishes them, and a traffic cone taken for a person.
    const cone = { trackId: 3, label: 'person', score: 0.38, box: [0.7, 0.6, 0.74, 0.7] };
    await publishEvent(
      edge,
      EventSchema.parse({ ...event, objects: [...event.objects, cone], objectCount: 3 }),
    );
    for (let tries = 0; !ticketId; tries++) {
      if (tries > 200) throw new Error('the event made no ticket');
      const res = await fetch(`${cloud.url}/api/v1/tickets`, {
        headers: { authorization: 'Bearer admin-token' },
      });
      ticketId = ((await res.json()) as { tickets: { id: number }[] }).tickets[0]?.id ?? 0;
      if (!ticketId) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    await edge?.endAsync();
    await browser?.close();
    await cloud?.stop();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
  });

  const box = (kind: string, index: number) =>
    page.locator(`.labeller .lbox[data-kind="${kind}"][data-index="${index}"]`);

  it('marks boxes by mouse and keyboard, draws two missed objects, saves; the export holds them', async () => {
    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/tickets/${ticketId}`);
    await box('ai', 2).waitFor();
    expect(await page.locator('.labeller .lbox[data-kind="ai"]').count()).toBe(3);
    await page.waitForFunction("document.querySelector('.labeller-image')?.complete");

    // Mouse: box 1 is right; keyboard: Tab to box 2, "2" (wrong label), type the right one.
    await box('ai', 0).click();
    await page.locator('.labeller-editor .verdict-right').click();
    await box('ai', 0).focus();
    await page.keyboard.press('Tab');
    await eventually(() => page.evaluate('document.activeElement?.dataset.index')).toBe('1');
    await page.keyboard.press('Enter');
    await page.keyboard.press('2');
    await page.locator('.labeller-editor input.label-input').fill('umbrella');
    await page.keyboard.press('Enter');
    // Arrow to the cone and press 3: not an object.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('3');
    await eventually(() => box('ai', 2).getAttribute('class')).toContain('v-not_object');

    // A missed person drawn with the mouse: a drag over the image.
    const stage = (await page.locator('.labeller-stage').boundingBox()) as {
      x: number;
      y: number;
      width: number;
      height: number;
    };
    const at = (fx: number, fy: number) => [stage.x + fx * stage.width, stage.y + fy * stage.height] as const;
    await page.mouse.move(...at(0.1, 0.1));
    await page.mouse.down();
    await page.mouse.move(...at(0.15, 0.2), { steps: 5 });
    await page.mouse.move(...at(0.2, 0.35), { steps: 5 });
    await page.mouse.up();
    await box('drawn', 0).waitFor();
    await page.locator('.labeller-editor input.label-input').fill('person');
    await page.keyboard.press('Enter');

    // A missed bicycle drawn with the keyboard: B, arrows move, Shift+arrows size, Enter keeps.
    await page.locator('.labeller-stage').focus();
    await page.keyboard.press('b');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Enter');
    await box('drawn', 1).waitFor();
    await page.locator('.labeller-editor input.label-input').fill('bicycle');
    await page.screenshot({ path: path.join(ARTIFACTS, 'labels-01-marked.png') });
    await page.locator('.save-labels').click();
    await eventually(() => page.locator('.labeller > p.muted').first().textContent()).toContain(
      'Revision 1 by operator',
    );

    const labels = (await (
      await fetch(`${cloud.url}/api/v1/tickets/${ticketId}/snapshots/${sha256}/labels`, {
        headers: { authorization: 'Bearer operator-token' },
      })
    ).json()) as { labels: { objects: unknown[]; drawn: { label: string; box: number[] }[] } };
    expect(labels.labels.objects).toEqual([
      { index: 0, verdict: 'right' },
      { index: 1, verdict: 'wrong_label', label: 'umbrella' },
      { index: 2, verdict: 'not_object' },
    ]);
    const [mouse, keys] = labels.labels.drawn as [
      { label: string; box: number[] },
      { label: string; box: number[] },
    ];
    expect(mouse.label).toBe('person');
    for (const [i, v] of mouse.box.entries()) expect(v).toBeCloseTo([0.1, 0.1, 0.2, 0.35][i] as number, 2);
    expect(keys.label).toBe('bicycle');
    for (const [i, v] of keys.box.entries()) expect(v).toBeCloseTo([0.46, 0.4, 0.66, 0.62][i] as number, 5);

    const out = path.join(evidenceDir, 'dataset');
    const service = new LabelService(cloud.core.store, cloud.core.tickets);
    const store = await DiskEvidenceStore.open(path.join(evidenceDir, 'store'));
    const summary = await exportDataset(service, store, { out, valFraction: 0.2, now: new Date() });
    const split = summary.images.train === 1 ? 'train' : 'val';
    const coco = JSON.parse(await readFile(path.join(out, annotationFile(split)), 'utf8'));
    const name = (id: number) => coco.categories.find((c: { id: number }) => c.id === id)?.name;
    expect(
      coco.annotations.map((a: { category_id: number; attributes: { verdict: string } }) => [
        name(a.category_id),
        a.attributes.verdict,
      ]),
    ).toEqual([
      ['person', 'right'],
      ['umbrella', 'wrong_label'],
      ['person', 'drawn'],
      ['bicycle', 'drawn'],
    ]);
    expect(coco.rejected).toHaveLength(1);
  });

  it('shows the labels in Chinese, read-only for a role that may not review', async () => {
    await signIn(page, cloud.url, 'dispatcher');
    await page.evaluate("localStorage.setItem('csa.lang', 'zh')");
    await page.goto(`${cloud.url}/ui/#/tickets/${ticketId}`);
    await page.reload();
    await box('ai', 0).waitFor();
    await eventually(() => page.locator('.labeller h2').textContent()).toBe('训练标注');
    expect(await page.locator('.labeller .keys').textContent()).toContain('只能查看');
    expect(await page.locator('.save-labels').count()).toBe(0);
    expect(await box('ai', 1).getAttribute('aria-label')).toContain('标签错误 → umbrella');
    await page.screenshot({ path: path.join(ARTIFACTS, 'labels-02-zh-readonly.png') });
  });
});
