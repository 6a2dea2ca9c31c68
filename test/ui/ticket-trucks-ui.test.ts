// A muck-truck ticket shows which trucks it names by plate, each with the permit registry's company
// and its verdict (fixtures/cloud/muck-permits.yaml), in English and Chinese (chromium, real cloud).
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { muckEvent } from '../cloud/support/muck-events.ts';
import { edgeClient, launchChromium, publishEvent, signIn } from './support/ui-cloud.ts';

interface ListedTicket {
  id: number;
  trucks: { plate: string }[] | null;
}

/** The ticket naming `plate`, once the published event made it. */
async function ticketNaming(cloudUrl: string, plate: string): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const res = await fetch(`${cloudUrl}/api/v1/tickets?limit=100`, {
      headers: { authorization: 'Bearer admin-token' },
    });
    const { tickets } = (await res.json()) as { tickets: ListedTicket[] };
    const found = tickets.find((t) => t.trucks?.some((truck) => truck.plate === plate));
    if (found) return found.id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ticket names ${plate}`);
}

describe('the ticket view shows the trucks a muck-truck ticket names (chromium, real cloud)', () => {
  let cloud: RunningCloud;
  let browser: Browser;
  let page: Page;
  let edge: MqttClient;
  let permitted = 0;
  let unknown = 0;

  beforeAll(async () => {
    const base = await loadCloudConfig(path.resolve('fixtures/cloud/cloud.yaml'));
    cloud = await startCloud(
      { ...base, api: { host: '127.0.0.1', port: 0 }, mqtt: { ...base.mqtt, embeddedPort: 0 } },
      { logger: false },
    );
    browser = await launchChromium();
    page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    edge = await edgeClient(cloud.mqttUrl, 'lingnan-hub');
    // 23:00 local on the boundary road: inside 粤AD1234's night permit; 粤B99999 has none.
    await publishEvent(
      edge,
      muckEvent({ cameraId: 'ln-boundary', at: '2026-11-10T15:00:00Z', plates: ['粤AD1234'], key: 'ui-ok' }),
    );
    await publishEvent(
      edge,
      muckEvent({
        cameraId: 'ln-boundary',
        at: '2026-11-12T15:00:00Z',
        plates: ['粤B99999'],
        key: 'ui-none',
      }),
    );
    permitted = await ticketNaming(cloud.url, '粤AD1234');
    unknown = await ticketNaming(cloud.url, '粤B99999');
  });
  afterAll(async () => {
    await edge?.endAsync();
    await browser?.close();
    await cloud?.stop();
  });

  const row = (plate: string) => page.locator(`.trucks tr[data-plate="${plate}"]`);

  it('shows the company and a valid permit, or the reason there is none, and the level it raised', async () => {
    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/tickets/${permitted}`);
    await row('粤AD1234').waitFor();
    const ok = await row('粤AD1234').textContent();
    expect(ok).toContain('(synthetic)');
    expect(ok).toContain('valid permit');
    expect(await row('粤AD1234').locator('[data-permitted]').getAttribute('data-permitted')).toBe('true');
    const levelOk = await page.locator('dl.facts').textContent();

    await page.goto(`${cloud.url}/ui/#/tickets/${unknown}`);
    await row('粤B99999').waitFor();
    const none = await row('粤B99999').textContent();
    expect(none).toContain('no valid permit');
    expect(none).toContain('no permit for this plate');
    expect(await row('粤B99999').locator('[data-permitted]').getAttribute('data-permitted')).toBe('false');
    // Raised one level above the permitted truck's ticket (level 1 is the most urgent).
    expect(levelOk).toContain('L2');
    expect(await page.locator('dl.facts').textContent()).toContain('L1');
  });

  it('says it in Chinese', async () => {
    const zh = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    await signIn(zh, cloud.url, 'operator');
    await zh.goto(`${cloud.url}/ui/#/tickets/${unknown}`);
    const text = await zh.locator('.trucks tr[data-plate="粤B99999"]').textContent();
    expect(text).toContain('无有效许可');
    expect(text).toContain('无该车牌许可');
  });
});
