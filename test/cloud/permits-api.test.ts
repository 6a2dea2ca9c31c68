import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { backends } from './support/databases.ts';
import { FIXTURE_DIR } from './support/fixtures.ts';
import { openServer } from './support/server.ts';

const ROUTE = {
  name: 'boundary-road',
  corridor: [
    [113.2455, 23.118],
    [113.2455, 23.128],
  ],
  widthMeters: 60,
};
const body = (overrides: Record<string, unknown> = {}) => ({
  company: 'Liwan earthworks (synthetic)',
  permitNumber: 'LW-ZT-2026-0900',
  routes: [ROUTE],
  hours: { from: '22:00', to: '06:00' },
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
  ...overrides,
});
const at = (plate: string) => `/api/v1/permits/${encodeURIComponent(plate)}`;

describe.each(backends)('the permit registry over the API on $name', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    s = await openServer(backend);
    await s.core.permits.loadFile(path.join(FIXTURE_DIR, 'muck-permits.yaml'), s.clock.now());
  });
  afterAll(() => s.dispose());

  const list = async () => (await s.app.inject({ url: '/api/v1/permits', headers: s.as('operator') })).json();

  it('lets every user read the registry, with the file it was last taken from', async () => {
    const all = await list();
    expect(all.total).toBe(4);
    expect(all.lastLoad).toMatchObject({ source: 'file', permits: 4, by: 'registry file' });
    const one = await s.app.inject({ url: at('粤AK9012'), headers: s.as('handler') });
    expect(one.json()).toMatchObject({
      company: '广州穗通土方工程有限公司 (synthetic)',
      validTo: '2025-12-31',
    });
    const company = await s.app.inject({
      url: `/api/v1/permits?company=${encodeURIComponent('荔湾建运渣土运输有限公司 (synthetic)')}`,
      headers: s.as('dispatcher'),
    });
    expect(company.json().permits.map((p: { plate: string }) => p.plate)).toEqual(['粤AD1234', '粤AF5678']);
    expect((await s.app.inject({ url: '/api/v1/permits' })).statusCode).toBe(401);
  });

  it('lets supervisors and admins add, replace and remove a permit, and no one else; each change audited', async () => {
    const plate = '粤a·90001'; // as a clerk might type it
    for (const role of ['operator', 'dispatcher', 'handler']) {
      const refused = await s.app.inject({
        method: 'PUT',
        url: at(plate),
        headers: s.as(role),
        payload: body(),
      });
      expect(refused.statusCode).toBe(403);
    }
    const added = await s.app.inject({
      method: 'PUT',
      url: at(plate),
      headers: s.as('supervisor'),
      payload: body(),
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ plate: '粤A90001', updatedBy: 'supervisor' });
    const replaced = await s.app.inject({
      method: 'PUT',
      url: at('粤A90001'),
      headers: s.as('admin'),
      payload: body({ disposalPermitNumber: 'LW-XN-2026-0900' }),
    });
    expect(replaced.statusCode).toBe(200);
    expect((await s.app.inject({ url: at('粤A90001'), headers: s.as('operator') })).json()).toMatchObject({
      disposalPermitNumber: 'LW-XN-2026-0900',
      updatedBy: 'admin',
    });
    expect(
      (await s.app.inject({ method: 'DELETE', url: at('粤A90001'), headers: s.as('operator') })).statusCode,
    ).toBe(403);
    expect(
      (await s.app.inject({ method: 'DELETE', url: at('粤A90001'), headers: s.as('admin') })).statusCode,
    ).toBe(204);
    const gone = await s.app.inject({ method: 'DELETE', url: at('粤A90001'), headers: s.as('admin') });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('PERMIT_NOT_FOUND');
    expect((await s.app.inject({ url: at('粤A90001'), headers: s.as('operator') })).statusCode).toBe(404);
    const history = (
      await s.app.inject({ url: `${at('粤A90001')}/history`, headers: s.as('operator') })
    ).json();
    expect(
      history.map((e: { action: string; by: string; before: unknown; after: unknown }) => [
        e.action,
        e.by,
        e.before === null,
        e.after === null,
      ]),
    ).toEqual([
      ['put', 'supervisor', true, false],
      ['put', 'admin', false, false],
      ['delete', 'admin', false, true],
    ]);
  });

  it('refuses a bad permit naming the field, and a plate that is no plate', async () => {
    const bad = await s.app.inject({
      method: 'PUT',
      url: at('粤A90002'),
      headers: s.as('admin'),
      payload: body({ hours: { from: '22:00' }, validTo: '2025-01-01' }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['/hours/to']),
    );
    const noPlate = await s.app.inject({
      method: 'PUT',
      url: at('ABC'),
      headers: s.as('admin'),
      payload: body(),
    });
    expect(noPlate.statusCode).toBe(400);
    expect(noPlate.json().error.message).toMatch(/a Chinese plate/);
  });

  it('refuses an uploaded registry with an invalid row whole, naming row and field; the one in force stays', async () => {
    const before = await list();
    const yaml = stringify({
      permits: [
        { plate: '粤AD1234', ...body() },
        { plate: '粤AD5555', ...body({ routes: [{ name: 'nowhere', polygon: [[113.24, 23.12]] }] }) },
      ],
    });
    const refused = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/permits',
      headers: { ...s.as('admin'), 'content-type': 'application/yaml' },
      payload: yaml,
    });
    expect(refused.statusCode).toBe(422);
    const error = refused.json().error;
    expect(error.code).toBe('PERMITS_INVALID');
    expect(error.message).toMatch(/upload:\d+: row 2: routes\[0\]/);
    expect(error.problems).toEqual([expect.objectContaining({ row: 2 })]);
    expect(await list()).toEqual(before);
  });

  it('replaces the registry with an uploaded one, YAML or JSON, and says what changed', async () => {
    const registry = {
      permits: [
        { plate: '粤AD1234', ...body() },
        { plate: '粤AD5555', ...body({ permitNumber: 'LW-ZT-2026-5555' }) },
      ],
    };
    const yaml = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/permits',
      headers: { ...s.as('supervisor'), 'content-type': 'application/yaml' },
      payload: stringify(registry),
    });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.json()).toEqual({ permits: 2, added: 1, changed: 1, removed: 3 });
    const again = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/permits',
      headers: s.as('admin'),
      payload: registry,
    });
    expect(again.json()).toEqual({ permits: 2, added: 0, changed: 0, removed: 0 });
    const all = await list();
    expect(all.permits.map((p: { plate: string }) => p.plate)).toEqual(['粤AD1234', '粤AD5555']);
    expect(all.lastLoad).toMatchObject({ source: 'upload', by: 'admin', permits: 2 });
    const history = (
      await s.app.inject({ url: `${at('粤AK9012')}/history`, headers: s.as('operator') })
    ).json();
    expect(history.at(-1)).toMatchObject({ action: 'upload', by: 'supervisor', after: null });
    const operator = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/permits',
      headers: s.as('operator'),
      payload: registry,
    });
    expect(operator.statusCode).toBe(403);
  });
});
