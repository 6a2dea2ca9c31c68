import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { rejectFirstObject } from '../suppression/rejections.ts';
import { ARTIFACTS, launchChromium, signIn, uploadEvidence } from './support/ui-cloud.ts';

// The lawn "bird" of the vtest fixture, as the detector boxes it on every frame (normalised).
const BIRD: [number, number, number, number] = [0.09, 0.865, 0.21, 0.915];
const FRAMES = ['vtest-0000.jpg', 'vtest-0099.jpg', 'vtest-0297.jpg'];
const REGIONS = '/api/v1/cameras/lingnan-hub/ln-market/suppression-regions';

describe('a supervisor sees a learned suppression region on the camera view and removes it (chromium)', () => {
  let cloud: RunningCloud;
  let evidenceDir: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'suppression-ui-'));
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
    const now = Date.now();
    for (const [i, frame] of FRAMES.entries()) {
      const file = path.resolve('fixtures/frames', frame);
      const sha256 = await uploadEvidence(cloud.url, 'lingnan-hub', file);
      await rejectFirstObject(
        cloud.app,
        cloud.core,
        { authorization: 'Bearer operator-token' },
        {
          cameraId: 'ln-market',
          key: `bird-${i}`,
          // Hours apart: three incidents, three tickets.
          startedAt: new Date(now - (3 - i) * 3_600_000).toISOString(),
          snapshot: { sha256, size: (await stat(file)).size },
          objects: [['bird', BIRD]],
        },
      );
    }
    browser = await launchChromium();
    page = await (
      await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 1000 } })
    ).newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
  });

  it('draws the region on the latest snapshot, and Remove takes it away for good', async () => {
    await signIn(page, cloud.url, 'supervisor');
    await page.goto(`${cloud.url}/ui/#/cameras`);
    await page.locator('tr[data-camera="ln-market"] .suppression-open').click();
    const rect = page.locator('svg.suppression-boxes rect.region-active');
    await rect.waitFor({ state: 'attached' });
    await page.waitForFunction("document.querySelector('.suppression-snapshot')?.naturalWidth > 0");
    // The region sits where the bird is: bottom left of the snapshot as shown.
    const image = (await page.locator('.suppression-snapshot').boundingBox()) ?? {
      x: 0,
      y: 0,
      width: 1,
      height: 1,
    };
    const drawn = (await rect.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    expect((drawn.x - image.x) / image.width).toBeCloseTo(0.09 - 0.012, 1);
    expect((drawn.y - image.y) / image.height).toBeGreaterThan(0.8);
    expect(await page.locator('.suppression-regions li').textContent()).toContain('3 rejections');
    await page.screenshot({ path: path.join(ARTIFACTS, 'suppression-01-region.png') });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('.suppression-regions .remove-region').click();
    await page.locator('.suppression-none').waitFor();
    expect(await page.locator('svg.suppression-boxes rect').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'suppression-02-removed.png') });
    const listed = (await (
      await fetch(`${cloud.url}${REGIONS}`, { headers: { authorization: 'Bearer operator-token' } })
    ).json()) as { regions: unknown[]; removed: unknown[] };
    expect(listed.regions).toEqual([]);
    expect(listed.removed).toMatchObject([{ label: 'bird', removedBy: 'supervisor' }]);
  }, 60_000);

  it('shows an operator the region list without a Remove button', async () => {
    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/cameras`);
    await page.locator('tr[data-camera="ln-market"] .suppression-open').click();
    await page.locator('.suppression-none').waitFor();
    expect(await page.locator('.remove-region').count()).toBe(0);
    expect(await page.locator('details summary').textContent()).toBe('1 removed');
  }, 30_000);
});
