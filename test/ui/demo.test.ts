import path from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDemo, startDemo } from '../../apps/demo/demo-system.ts';
import { ARTIFACTS, launchChromium, signIn } from './support/ui-cloud.ts';

interface TicketRow {
  id: number;
  source: string;
  cameraId: string | null;
  gridId: string | null;
}

describe('the one-command demo', () => {
  let demo: RunningDemo;
  let browser: Browser;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const get = async <T>(url: string): Promise<T> => {
    const response = await fetch(`${demo.cloud.url}/api/v1${url}`, {
      headers: { authorization: 'Bearer admin-token' },
    });
    return (await response.json()) as T;
  };

  it('turns the replayed fixture video into AI tickets in Lingnan within a minute, with evidence, in the queue', async () => {
    let first: TicketRow | undefined;
    await expect
      .poll(
        async () => {
          const { tickets } = await get<{ tickets: TicketRow[] }>('/tickets?source=ai&limit=100');
          first = tickets.at(-1);
          return tickets.length;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    expect(first?.cameraId).toMatch(/^ln-(market|school)$/);
    expect(first?.gridId).toBeTruthy();
    // The edge uploads the snapshot after publishing the event: it arrives at the cloud.
    const ticketId = first?.id;
    await expect
      .poll(
        async () => {
          const detail = await get<{ evidence: { kind: string; url: string }[] }>(`/tickets/${ticketId}`);
          const snapshot = detail.evidence.find((e) => e.kind === 'snapshotAnnotated');
          if (!snapshot) return 0;
          const file = await fetch(`${demo.cloud.url}${snapshot.url}`, {
            headers: { authorization: 'Bearer operator-token' },
          });
          return file.status;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(200);
    const edges = await get<{ edgeId: string; state: string }[]>('/edges');
    expect(edges).toContainEqual(expect.objectContaining({ edgeId: 'lingnan-hub', state: 'online' }));

    const page = await browser.newPage({ locale: 'en-GB', viewport: { width: 1920, height: 1080 } });
    await signIn(page, demo.cloud.url, 'operator');
    await page.goto(`${demo.cloud.url}/ui/#/queue`);
    const card = page.locator(`.qcard[data-ticket-id="${ticketId}"]`);
    await expect
      .poll(
        () =>
          card.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, '08-demo-queue.png') });
    await page.goto(`${demo.cloud.url}/ui/#/cameras`);
    await page.locator('tr[data-camera="ln-market"] button.live-open').click();
    await expect
      .poll(() => page.locator('.live-player iframe').getAttribute('src'), { timeout: 20_000 })
      .toBe(`${demo.edge.apiUrl}/cameras/ln-market/live`);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(ARTIFACTS, '09-demo-live-view.png') });
  });
});
