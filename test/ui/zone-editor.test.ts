import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import type { AppliedConfig } from '../../foundation/contract/edge-status.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { bottomCentre, pointInPolygon } from '../../foundation/geometry/image-plane.ts';
import { startFixtureCloudOnPostgres } from '../cloud/support/fixture-cloud.ts';
import { token } from '../cloud/support/fixtures.ts';
import { type EdgeRun, runEdge, waitUntil } from '../support/edge-process.ts';
import { rejectFirstObject } from '../suppression/rejections.ts';
import { ARTIFACTS, launchChromium, signIn, uploadEvidence } from './support/ui-cloud.ts';

// The zone editor end to end: a real cloud (PostgreSQL, embedded broker, the operator UI), a real
// managed `edge run` on the vtest fixture video, Debian's chromium. A supervisor draws a zone by
// the sign in the middle of the road with the mouse, sets a loitering scenario in the form, saves;
// the edge applies the new version and raises incidents in that zone. An invalid value is refused
// by the form (named); a classifier the edge does not have is refused by the edge (text shown).
const VIDEO = path.resolve('fixtures/video/vtest.mp4');
const EDGE = 'lingnan-hub';
const CAMERA = 'ln-market';
/** Version 1: the whole road as one zone, so that the camera soon has an event with a snapshot. */
const V1 = {
  cameras: [
    {
      id: CAMERA,
      source: { url: VIDEO, loop: true },
      fps: 2,
      zones: [
        {
          name: 'road',
          points: [
            [0, 0.3],
            [1, 0.3],
            [1, 1],
            [0, 1],
          ],
          filters: { labels: ['person'] },
        },
      ],
      scenarios: [
        { type: 'loitering', zone: 'road', labels: ['person'], minDwellSeconds: 2, clearSeconds: 2 },
      ],
    },
  ],
};
/** Where the sign stands in the middle of the road (fixtures/configs/vtest.yaml's zone `sign`). */
/** Where the test drags the zone's third corner to. */
const DRAGGED_TO = [0.74, 0.62] as const;
/** The lawn "bird" of the vtest fixture, as the detector boxes it (test/ui/suppression-ui.test.ts). */
const BIRD: [number, number, number, number] = [0.09, 0.865, 0.21, 0.915];
const SIGN = [
  [0.42, 0.36],
  [0.7, 0.36],
  [0.7, 0.58],
  [0.42, 0.58],
] as const;

type Point = [number, number];
interface ConfigState {
  applied: AppliedConfig | null;
  desired: {
    version: number;
    savedAt: string;
    config: {
      cameras: { zones: { name: string; points: Point[] }[]; scenarios: Record<string, unknown>[] }[];
    };
  };
}

describe('zone editor: draw a zone on a live camera, the edge applies it (chromium, real edge)', () => {
  let cloud: RunningCloud;
  let stopCloud: (() => Promise<void>) | undefined;
  let work: string;
  let edge: EdgeRun | undefined;
  let browser: Browser;
  let page: Page;

  const asSupervisor = { authorization: `Bearer ${token('supervisor')}` };
  const get = async <T>(route: string): Promise<T> => {
    const response = await fetch(`${cloud.url}/api/v1${route}`, { headers: asSupervisor });
    expect(response.status, route).toBe(200);
    return (await response.json()) as T;
  };
  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ARTIFACTS, `zone-editor-${name}.png`) });
  };

  /** Page coordinates of a normalised point of the snapshot. */
  async function at(p: readonly [number, number]): Promise<Point> {
    const box = await page.locator('.zone-overlay').boundingBox();
    if (!box) throw new Error('no picture');
    return [box.x + p[0] * box.width, box.y + p[1] * box.height];
  }
  async function field(scope: string, name: string, value: string) {
    const input = page.locator(`${scope} [data-field="${name}"] :is(input, select)`).first();
    await input.fill(value);
    await input.press('Tab');
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    work = await mkdtemp(path.join(os.tmpdir(), 'zone-editor-'));
    ({ cloud, stop: stopCloud } = await startFixtureCloudOnPostgres(path.join(work, 'cloud-evidence'), {}));
    const put = await fetch(`${cloud.url}/api/v1/edges/${EDGE}/config`, {
      method: 'PUT',
      headers: { ...asSupervisor, 'content-type': 'application/json' },
      body: JSON.stringify({ config: V1, note: 'the whole road' }),
    });
    expect(put.status).toBe(200);
    // A suppression region on the camera, learned from three "not an object" verdicts hours ago.
    for (const [i, frame] of ['vtest-0000.jpg', 'vtest-0099.jpg', 'vtest-0297.jpg'].entries()) {
      const file = path.resolve('fixtures/frames', frame);
      await rejectFirstObject(cloud.app, cloud.core, asSupervisor, {
        cameraId: CAMERA,
        key: `bird-${i}`,
        startedAt: new Date(Date.now() - (3 - i) * 3_600_000).toISOString(),
        snapshot: { sha256: await uploadEvidence(cloud.url, EDGE, file), size: (await stat(file)).size },
        objects: [['bird', BIRD]],
      });
    }
    const edgeStarted = Date.now();
    const configFile = path.join(work, 'edge.yaml');
    await writeFile(
      configFile,
      stringify({
        edgeId: EDGE,
        fleet: { managed: true },
        cameras: V1.cameras,
        mqtt: { url: cloud.mqttUrl, protocolVersion: 4 },
        dataDir: path.join(work, 'edge-data'),
        delivery: { heartbeatSeconds: 1 },
        live: { enabled: false },
        evidence: {
          clips: { enabled: false },
          upload: { url: `${cloud.url}/api/v1/evidence`, token: `${EDGE}-token` },
        },
      }),
    );
    edge = runEdge(configFile);
    await edge.api();
    // The editor draws on the camera's latest snapshot: wait until one is in the cloud.
    await waitUntil(
      async () => {
        const regions = await get<{ snapshot: { url: string; observedAt: string } | null }>(
          `/cameras/${EDGE}/${CAMERA}/suppression-regions`,
        );
        if (!regions.snapshot || Date.parse(regions.snapshot.observedAt) < edgeStarted) return false;
        return (await fetch(`${cloud.url}${regions.snapshot.url}`, { headers: asSupervisor })).status === 200;
      },
      120_000,
      () => `a snapshot of ${CAMERA} in the cloud; edge stderr: ${edge?.stderr().slice(-1500)}`,
    );
    browser = await launchChromium();
    page = await (
      await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 1100 } })
    ).newPage();
  }, 240_000);

  afterAll(async () => {
    edge?.child.kill('SIGKILL');
    await browser?.close();
    await stopCloud?.();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('draws a zone and a counting line with the mouse, refuses an invalid value, saves; the edge applies it and reports incidents in the zone', async () => {
    await signIn(page, cloud.url, 'supervisor');
    await page.goto(`${cloud.url}/ui/#/cameras`);
    await page.locator(`tr[data-camera="${CAMERA}"] .zones-open`).click();
    await page.waitForFunction("document.querySelector('.zone-snapshot')?.naturalWidth > 0");
    expect(await page.locator('polygon[data-zone="road"]').count()).toBe(1);
    // The learned region, where the lawn "bird" is: bottom left.
    const region = await page.locator('rect.suppression-region').boundingBox();
    const picture = await page.locator('.zone-overlay').boundingBox();
    expect(((region?.x ?? 0) - (picture?.x ?? 0)) / (picture?.width ?? 1)).toBeCloseTo(BIRD[0], 1);
    expect(((region?.y ?? 0) - (picture?.y ?? 0)) / (picture?.height ?? 1)).toBeGreaterThan(0.8);
    await shot('01-loaded');

    // The zone: three clicks and a double-click on the fourth corner.
    await page.locator('.draw-zone').click();
    for (const corner of SIGN.slice(0, 3)) await page.mouse.click(...(await at(corner)));
    await page.mouse.dblclick(...(await at(SIGN[3])));
    await page.locator('polygon[data-zone="zone_1"]').waitFor();
    await field('.zone-side', 'name', 'sign_area');
    await page.locator('polygon[data-zone="sign_area"]').waitFor();
    // The mouse: the third corner dragged a little down and right.
    await page.mouse.move(...(await at(SIGN[2])));
    await page.mouse.down();
    await page.mouse.move(...(await at(DRAGGED_TO)), { steps: 5 });
    await page.mouse.up();
    // Keyboard: the first corner's handle, two steps right.
    await page.locator('.handle[data-point="0"]').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.locator('.add-scenario select').selectOption('loitering');
    await page.locator('.add-scenario-button').click();
    const scenario = '.scenario-form[data-type="loitering"]';
    await field(scenario, 'minDwellSeconds', '-1');
    expect(await page.locator(`${scenario} [data-field="minDwellSeconds"] .problem`).textContent()).toMatch(
      /above 0/,
    );

    // The counting line: two clicks.
    await page.locator('.draw-line').click();
    await page.mouse.click(...(await at([0.3, 0.3])));
    await page.mouse.click(...(await at([0.3, 0.5])));
    await page.locator('line[data-line="line_1"]').waitFor({ state: 'attached' });
    await shot('02-drawn');

    await page.locator('.save-zones').click();
    const problems = page.locator('.zone-problems li');
    await problems.first().waitFor();
    expect(await problems.allTextContents()).toEqual([
      expect.stringMatching(
        /^scenario 2 \(loitering_sign_area\): minDwellSeconds: must be a number of seconds above 0/,
      ),
    ]);
    expect((await get<ConfigState>(`/edges/${EDGE}/config`)).desired.version).toBe(1);
    await shot('03-refused-by-form');

    await page.locator('polygon[data-zone="sign_area"]').click();
    await field(scenario, 'minDwellSeconds', '2');
    await field(scenario, 'clearSeconds', '2');
    await page.locator('.save-note').fill('loitering by the sign');
    const saved = Date.now();
    await page.locator('.save-zones').click();
    await page.locator('.save-status[data-outcome="applied"]').waitFor({ timeout: 90_000 });
    const applyMs = Number(await page.locator('.save-status').getAttribute('data-apply-ms'));
    console.log(
      `zone editor: saved v2 -> edge applied it ${applyMs} ms after the save (browser), ${Date.now() - saved} ms click to shown`,
    );
    await shot('04-applied');

    const state = await get<ConfigState>(`/edges/${EDGE}/config`);
    expect(state.desired.version).toBe(2);
    console.log(
      `zone editor: the cloud saved v2 at ${state.desired.savedAt}, the edge applied it at ${state.applied?.appliedAt}: ` +
        `${Date.parse(state.applied?.appliedAt ?? '') - Date.parse(state.desired.savedAt)} ms`,
    );
    expect(state.applied).toMatchObject({ source: 'cloud', version: 2 });
    const camera = state.desired.config.cameras[0];
    const zone = camera?.zones.find((z) => z.name === 'sign_area');
    expect(zone?.points).toHaveLength(4);
    zone?.points.forEach((p, i) => {
      const expected = (i === 2 ? DRAGGED_TO : SIGN[i]) as readonly [number, number];
      expect(p[0]).toBeCloseTo(expected[0] + (i === 0 ? 0.01 : 0), 2);
      expect(p[1]).toBeCloseTo(expected[1], 2);
    });
    expect(camera?.scenarios).toContainEqual({
      type: 'loitering',
      zone: 'sign_area',
      labels: ['person'],
      minDwellSeconds: 2,
      clearSeconds: 2,
    });
    expect(camera?.scenarios).toContainEqual({
      type: 'line_crossing',
      name: 'line_1',
      line: [expect.any(Array), expect.any(Array)],
      labels: ['person'],
    });

    // The preview: the detections of the snapshot's event standing (bottom centre) in the zone.
    const sha = await page.locator('.zone-stage').getAttribute('data-snapshot');
    const events = await get<EdgeEvent[]>(`/events?edgeId=${EDGE}&limit=500`);
    const objects = events.find((e) => e.evidence?.snapshot?.sha256 === sha)?.objects ?? [];
    expect(objects.length).toBeGreaterThan(0);
    const inside = objects.filter((o) => {
      const [x, y] = bottomCentre(o.box);
      return pointInPolygon(x, y, zone?.points ?? []);
    });
    expect(await page.locator('.detection.inside').count()).toBe(inside.length);
    expect(await page.locator('.detection.outside').count()).toBe(objects.length - inside.length);
    expect(await page.locator('.preview').textContent()).toContain(
      `${inside.length} of the ${objects.length} detections`,
    );

    // The edge's next incidents: in the new zone.
    await waitUntil(
      () =>
        edge?.printed.some((e) => e.zone === 'sign_area' && e.scenario === 'loitering_sign_area') ?? false,
      120_000,
      () => 'an incident in sign_area from the edge',
    );
    await waitUntil(
      async () =>
        (await get<EdgeEvent[]>(`/events?edgeId=${EDGE}&limit=50`)).some((e) => e.zone === 'sign_area'),
      30_000,
      () => 'the cloud to receive the incident in sign_area',
    );
  }, 300_000);

  it('shows the refusal of a value only the edge can check (the previous version keeps running), draws with the keyboard alone, and keeps operators out', async () => {
    await page.locator('polygon[data-zone="sign_area"]').click();
    await page.locator('.add-scenario select').selectOption('muck_truck');
    await page.locator('.add-scenario-button').click();
    const scenario = '.scenario-form[data-type="muck_truck"]';
    // A well-formed alias, so the form takes it; only the edge knows it has no such model.
    await field(scenario, 'classifier', 'tarp_classifier');
    await page.locator('.save-zones').click();
    await page.locator('.save-status[data-outcome="refused"]').waitFor({ timeout: 90_000 });
    const refusal = await page.locator('.edge-refused .refusal').textContent();
    expect(refusal).toMatch(/scenarios\[3\]\.classifier/);
    expect(refusal).toMatch(/no model with alias "tarp_classifier"/);
    expect(await page.locator('.edge-refused').textContent()).toContain('keeps running version 2');
    await shot('05-refused-by-edge');
    expect((await get<ConfigState>(`/edges/${EDGE}/config`)).applied).toMatchObject({
      version: 2,
      refused: { version: 3 },
    });

    // Keyboard only: Z, the cursor moved with arrows, Space adds its point, Enter closes the zone.
    await page.locator('.zone-stage').focus();
    for (const key of [
      'z',
      ' ',
      'Shift+ArrowRight',
      'Shift+ArrowRight',
      ' ',
      'Shift+ArrowDown',
      'Shift+ArrowDown',
      ' ',
      'Enter',
    ])
      await page.keyboard.press(key);
    const drawn = page.locator('polygon[data-zone="zone_1"]');
    expect(await drawn.getAttribute('points')).toBe('0.5,0.5 0.6,0.5 0.6,0.6');
    await field('.zone-side', 'name', 'sign_area');
    expect(await page.locator('.zone-side [data-field="name"] .problem').first().textContent()).toBe(
      'the name is used twice on this camera',
    );
    await drawn.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    expect(await drawn.getAttribute('points')).toBe('0.45,0.5 0.55,0.5 0.55,0.6');
    await page.keyboard.press('Delete');
    expect(await drawn.count()).toBe(0);
    expect(await page.locator('polygon[data-zone="sign_area"]').count()).toBe(1);

    // The same editor in Chinese, for the artifacts.
    await page.evaluate("localStorage.setItem('csa.lang', 'zh')");
    await page.reload();
    await page.locator('polygon[data-zone="sign_area"]').click();
    expect(await page.locator('.zone-side h3').textContent()).toBe('区域 sign_area');
    await shot('06-zh');
    await page.evaluate("localStorage.setItem('csa.lang', 'en')");

    // An operator has no zone editor: no link, and the route says so.
    await signIn(page, cloud.url, 'operator');
    await page.goto(`${cloud.url}/ui/#/cameras`);
    await page.locator(`tr[data-camera="${CAMERA}"]`).waitFor();
    expect(await page.locator('.zones-open').count()).toBe(0);
    await page.goto(`${cloud.url}/ui/#/cameras/${EDGE}/${CAMERA}/zones`);
    expect(await page.locator('.view-root p').first().textContent()).toBe(
      'Only supervisors and admins may change zones.',
    );
  }, 150_000);
});
