import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import { type EdgeEvent, EventSchema } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import {
  ARTIFACTS,
  edgeClient,
  launchChromium,
  publishEvent,
  signIn,
  startFixtureCloud,
} from './support/ui-cloud.ts';

/** A covered-lens fault of the market gate camera, as the edge's health diagnosis sends it. */
function coveredFault(startedAt: Date): EdgeEvent {
  const incidentId = `lingnan-hub:ln-market:camera-health-covered:${startedAt.getTime()}`;
  return EventSchema.parse({
    schemaVersion: 1,
    eventId: `${incidentId}:0`,
    incidentId,
    sequence: 0,
    type: 'camera_fault',
    phase: 'start',
    edgeId: 'lingnan-hub',
    cameraId: 'ln-market',
    scenario: 'camera-health-covered',
    startedAt: startedAt.toISOString(),
    observedAt: new Date(startedAt.getTime() + 60_000).toISOString(),
    confidence: 1,
    objectCount: 0,
    objects: [],
    counts: { coveredPercent: 88 },
    model: { name: 'camera-health', version: '1', sha256: 'd'.repeat(64) },
    frame: { width: 416, height: 416 },
    fault: 'covered',
  });
}

describe('the dashboard lists cameras by health (chromium)', () => {
  let cloud: RunningCloud & { dispose(): Promise<void> };
  let edge: MqttClient;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    cloud = await startFixtureCloud();
    edge = await edgeClient(cloud.mqttUrl, 'lingnan-hub');
    const now = Date.now();
    const camera = (id: string) => ({
      id,
      state: 'live',
      lastFrameTime: now,
      reconnects: 0,
      lastError: null,
    });
    await edge.publishAsync(
      topics.status('lingnan-hub'),
      JSON.stringify({
        state: 'online',
        edgeId: 'lingnan-hub',
        clientId: 'lingnan-hub-1',
        at: new Date(now).toISOString(),
        cameras: [camera('ln-school'), camera('ln-market')],
      }),
      { qos: 1, retain: true },
    );
    await publishEvent(edge, coveredFault(new Date(now - 120_000)));
    const deadline = Date.now() + 20_000;
    while ((await cloud.core.maintenance.cameraHealth())[0]?.health !== 'fault' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    browser = await launchChromium();
    page = await (
      await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 1100 } })
    ).newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await edge?.endAsync();
    await cloud?.dispose();
  });

  it('puts the covered camera first with its fault and ticket, the live ones as healthy, in English and Chinese', async () => {
    await signIn(page, cloud.url, 'supervisor');
    await page.goto(`${cloud.url}/ui/#/dashboard`);
    const rows = page.locator('section.camera-health tr[data-camera]');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('data-camera')).toBe('lingnan-hub/ln-market');
    expect(await rows.first().getAttribute('data-health')).toBe('fault');
    await expect.poll(() => rows.first().textContent()).toContain('Covered');
    expect(await rows.first().locator('a[href^="#/tickets/"]').count()).toBe(1);
    expect(await page.locator('tr[data-camera="lingnan-hub/ln-school"]').getAttribute('data-health')).toBe(
      'ok',
    );
    expect(await page.locator('tr[data-camera="lingnan-hub/ln-school"] .badge').textContent()).toBe(
      'healthy',
    );
    await page
      .locator('section.camera-health')
      .screenshot({ path: path.join(ARTIFACTS, 'camera-health-01-en.png') });

    await page.locator('#lang-switch').click();
    await expect.poll(() => page.locator('section.camera-health h2').textContent()).toBe('摄像头健康状况');
    await expect.poll(() => rows.first().textContent()).toContain('镜头遮挡');
    await page.screenshot({ path: path.join(ARTIFACTS, 'camera-health-02-zh.png'), fullPage: true });
  });
});
