import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  edgeClient,
  launchChromium,
  publishEvent,
  signIn,
  startEvent,
  startFixtureCloud,
  uploadEvidence,
} from './support/ui-cloud.ts';

const SNAPSHOT = path.resolve('fixtures/frames/vtest-0099.jpg');
/** expect.poll with room for a loaded machine (its default gives up after one second). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

describe('the operator web UI in chromium against the real cloud', () => {
  let cloud: Awaited<ReturnType<typeof startFixtureCloud>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let lingnan: MqttClient;
  let renmin: MqttClient;
  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
  const tile = (figure: string) => page.locator(`.tile[data-figure="${figure}"] .value`);
  const card = (id: number) => page.locator(`.qcard[data-ticket-id="${id}"]`);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    cloud = await startFixtureCloud();
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1920, height: 1080 } });
    page = await context.newPage();
    lingnan = await edgeClient(cloud.mqttUrl, 'lingnan-hub');
    renmin = await edgeClient(cloud.mqttUrl, 'renmin-hub');
  });
  afterAll(async () => {
    await lingnan?.endAsync();
    await renmin?.endAsync();
    await browser?.close();
    await cloud?.dispose();
  });

  /** Ids of the tickets the cloud made, by camera: read from the REST API, not assumed. */
  async function ticketOf(cameraId: string): Promise<number> {
    const response = await fetch(`${cloud.url}/api/v1/tickets?limit=100`, {
      headers: { authorization: 'Bearer admin-token' },
    });
    const { tickets } = (await response.json()) as { tickets: { id: number; cameraId: string }[] };
    const found = tickets.find((t) => t.cameraId === cameraId);
    if (!found) throw new Error(`no ticket of ${cameraId}`);
    return found.id;
  }

  it('refuses a wrong token and takes an event published over MQTT through the whole loop', async () => {
    await page.goto(`${cloud.url}/`);
    await page.locator('#token').fill('not-a-token');
    await page.locator('form.login button[type=submit]').click();
    await eventually(() => page.locator('form.login .error').textContent()).toContain('not accepted');
    await shot('01-login');

    await signIn(page, cloud.url, 'supervisor');
    await page.goto(`${cloud.url}/ui/#/dashboard`);
    await tile('total').waitFor();
    expect(await tile('total').textContent()).toBe('0');
    expect(await tile('closed').textContent()).toBe('0');

    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/queue`);
    await page.locator('.queue .empty').waitFor();

    // Published while the operator watches the queue: it must arrive through the live feed.
    const snapshot = await uploadEvidence(cloud.url, 'lingnan-hub', SNAPSHOT);
    const size = (await stat(SNAPSHOT)).size;
    const now = new Date();
    await publishEvent(
      lingnan,
      startEvent({
        edgeId: 'lingnan-hub',
        cameraId: 'ln-market',
        type: 'street_vending',
        key: `ui-${now.getTime()}`,
        startedAt: now,
        confidence: 0.83,
        snapshot: { sha256: snapshot, size },
      }),
    );
    // One loitering incident seen from both sides of the boundary road: one ticket, two cameras.
    await publishEvent(
      lingnan,
      startEvent({
        edgeId: 'lingnan-hub',
        cameraId: 'ln-boundary',
        type: 'loitering',
        key: 'b',
        startedAt: now,
        confidence: 0.7,
      }),
    );
    await publishEvent(
      renmin,
      startEvent({
        edgeId: 'renmin-hub',
        cameraId: 'rm-boundary',
        type: 'loitering',
        key: 'b',
        startedAt: now,
        confidence: 0.66,
      }),
    );
    await publishEvent(
      renmin,
      startEvent({
        edgeId: 'renmin-hub',
        cameraId: 'rm-square',
        type: 'parking',
        key: 'p',
        startedAt: now,
        confidence: 0.52,
      }),
    );

    await eventually(() => page.locator('.qcard').count()).toBe(3);
    const vending = await ticketOf('ln-market');
    const parking = await ticketOf('rm-square');
    const vendingCard = card(vending);
    await eventually(() => vendingCard.textContent()).toContain('Street vending');
    const text = (await vendingCard.textContent()) ?? '';
    expect(text).toContain('ln-market');
    expect(text).toContain('confidence 0.83');
    expect(text).toMatch(/Lingnan/);
    // The snapshot really loads (decoded by the browser), through the evidence route.
    await eventually(() =>
      vendingCard.locator('img').evaluate((img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth;
      }),
    ).toBe(768);
    const boundaryCard = page.locator('.qcard', { hasText: 'Loitering' });
    await eventually(() => boundaryCard.textContent()).toMatch(/Also seen by (ln|rm)-boundary/);
    await shot('02-queue');

    // Keyboard: select the vending card, C confirms it; the parking card, R then 1 rejects it.
    await vendingCard.click();
    await page.keyboard.press('c');
    await eventually(() => vendingCard.getAttribute('data-state')).toBe('confirmed');
    await card(parking).click();
    await page.keyboard.press('r');
    await page.locator('.reasons').waitFor();
    await page.keyboard.press('1');
    await eventually(() => card(parking).count()).toBe(0);

    // The dispatcher sees the confirmed ticket in the queue and dispatches it with D.
    await signIn(page, cloud.url, 'dispatcher');
    await page.goto(`${cloud.url}/ui/#/queue`);
    await card(vending).click();
    expect(await card(vending).locator('.act-confirm').count()).toBe(0);
    await page.keyboard.press('d');
    await eventually(() => card(vending).count()).toBe(0);

    // The handler works it from the ticket view: accept, start, handle with a note and proof.
    await signIn(page, cloud.url, 'handler');
    await page.goto(`${cloud.url}/ui/#/tickets/${vending}`);
    const state = page.locator('#ticket-state');
    await eventually(() => state.textContent()).toBe('dispatched');
    expect(await page.locator('form.action[data-action="close"]').count()).toBe(0);
    await page.locator('form.action[data-action="accept"] button').click();
    await eventually(() => state.textContent()).toBe('accepted');
    await page.locator('form.action[data-action="start"] button').click();
    await eventually(() => state.textContent()).toBe('in progress');
    const handle = page.locator('form.action[data-action="handle"]');
    await handle.locator('input[name="note"]').fill('stall moved off the pavement');
    await handle.locator('button').click();
    await eventually(() => state.textContent()).toBe('handled');

    // The operator verifies and closes it; the timeline shows every step with its actor.
    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/tickets/${vending}`);
    await page.locator('form.action[data-action="close"] button').click();
    await eventually(() => state.textContent()).toBe('closed');
    const timeline = await page.locator('.timeline li').allTextContents();
    expect(timeline.map((l) => l.match(/· (\w+) \(/)?.[1])).toEqual(
      [undefined, 'operator', 'dispatcher', 'handler', 'handler', 'handler', 'operator'].slice(
        timeline.length === 7 ? 0 : 1,
      ),
    );
    expect(timeline.join('\n')).toContain('stall moved off the pavement');
    await shot('03-ticket');

    // The supervisor's dashboard now counts the closure and the false alarm on rm-square.
    await signIn(page, cloud.url, 'supervisor');
    await page.goto(`${cloud.url}/ui/#/dashboard`);
    await eventually(() => tile('closed').textContent()).toBe('1');
    expect(await tile('total').textContent()).toBe('3');
    expect(await tile('rejected').textContent()).toBe('1');
    expect(await tile('closure-rate').textContent()).toBe('50.0 %');
    const square = page.locator('table.false-alarms[data-by="camera"] tr[data-key="rm-square"] .rate');
    expect(await square.textContent()).toBe('100.0 %');
    const market = page.locator('table.false-alarms[data-by="camera"] tr[data-key="ln-market"] .rate');
    expect(await market.textContent()).toBe('0.0 %');
    await shot('04-dashboard');
  });

  it('draws the grid hierarchy with the tickets on it, and filters them by street and state', async () => {
    await page.goto(`${cloud.url}/ui/#/map`);
    await page.locator('svg.map .place.level-grid').first().waitFor();
    expect(await page.locator('svg.map .place.level-street').count()).toBe(2);
    await eventually(() => page.locator('svg.map g.ticket').count()).toBe(3);
    await page.locator('.filters select[name="street"]').selectOption('renmin');
    await eventually(() => page.locator('svg.map g.ticket').count()).toBe(2);
    await page.locator('.filters select[name="state"]').selectOption('rejected');
    await eventually(() => page.locator('svg.map g.ticket').count()).toBe(1);
    await page.locator('.filters select[name="street"]').selectOption('');
    await page.locator('.filters select[name="state"]').selectOption('');
    await eventually(() => page.locator('svg.map g.ticket').count()).toBe(3);
    await shot('05-map');
    await page.goto(`${cloud.url}/ui/#/cameras`);
    await page.locator('table.cameras tr[data-camera="ln-market"]').waitFor();
    await shot('06-cameras');
  });

  it('speaks Chinese to a Chinese browser, and switches language on request', async () => {
    const zh = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
    const zhPage = await zh.newPage();
    await zhPage.goto(`${cloud.url}/`);
    await eventually(() => zhPage.locator('form.login h1').textContent()).toBe('登录');
    await zhPage.locator('#token').fill('operator-token');
    await zhPage.locator('form.login button[type=submit]').click();
    await eventually(() => zhPage.locator('#nav a').first().textContent()).toBe('待审核');
    await zhPage.goto(`${cloud.url}/ui/#/tickets`);
    await eventually(() => zhPage.locator('table.tickets tbody tr').count()).toBe(3);
    expect(await zhPage.locator('table.tickets').textContent()).toContain('已结案');
    await zhPage.screenshot({ path: path.join(ARTIFACTS, '07-tickets-zh-laptop.png') });
    await zhPage.locator('#lang-switch').click();
    await eventually(() => zhPage.locator('#nav a').first().textContent()).toBe('Review queue');
    await zh.close();
  });
});
