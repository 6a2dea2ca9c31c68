import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/databases.ts';
import { token } from './support/fixtures.ts';
import { openServer } from './support/server.ts';

const pglite = backends.filter((b) => b.name === 'pglite');

describe.each(pglite)('Open311 GeoReport v2 on $name', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
  });
  afterAll(() => s.dispose());

  const post = (body: Record<string, string>, format = 'json') =>
    s.app.inject({
      method: 'POST',
      url: `/open311/v2/requests.${format}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(body).toString(),
    });

  it('describes itself and lists AI types and report categories as services', async () => {
    const discovery = (await s.app.inject({ url: '/open311/v2/discovery.json' })).json();
    expect(discovery.endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2' });
    const services = (await s.app.inject({ url: '/open311/v2/services.json' })).json();
    const codes = services.map((x: { service_code: string }) => x.service_code);
    expect(codes).toEqual(
      expect.arrayContaining(['street_vending', 'muck_truck_uncovered', 'garbage', 'road_damage']),
    );
    const definition = await s.app.inject({ url: '/open311/v2/services/garbage.json' });
    expect(definition.json()).toEqual([{ service_code: 'garbage', attributes: [] }]);
    expect((await s.app.inject({ url: '/open311/v2/services/nope.json' })).statusCode).toBe(404);
    const xml = await s.app.inject({ url: '/open311/v2/services.xml' });
    expect(xml.headers['content-type']).toContain('text/xml');
    expect(xml.body).toContain('<service><service_code>street_vending</service_code>');
  });

  it('takes a citizen report (form-encoded) into the loop, and shows its progress projected to open/closed', async () => {
    const created = await post({
      api_key: token('citizen-app'),
      service_code: 'garbage',
      lat: '23.1281',
      long: '113.2521',
      description: 'bags of rubbish left by the square',
      media_url: 'https://example.org/photo.jpg',
      first_name: 'Li',
    });
    expect(created.statusCode).toBe(201);
    const [{ service_request_id: id }] = created.json();
    const [request] = (await s.app.inject({ url: `/open311/v2/requests/${id}.json` })).json();
    expect(request).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: 'received; awaiting review by the command centre',
      service_code: 'garbage',
      agency_responsible: 'environment',
      lat: 23.1281,
      long: 113.2521,
      media_url: 'https://example.org/photo.jpg',
    });
    // Level 3: 60 min to dispatch, 120 to accept, 1440 to handle: 27 h after 04:00.
    expect(request.expected_datetime).toBe('2026-11-22T07:00:00.000Z');
    const ticket = (
      await s.app.inject({
        url: `/api/v1/tickets/${id}`,
        headers: { authorization: `Bearer ${token('operator')}` },
      })
    ).json();
    expect(ticket.ticket).toMatchObject({
      source: 'citizen',
      state: 'new',
      streetId: 'renmin',
      reporter: 'Li',
    });

    await s.app.inject({
      method: 'POST',
      url: `/api/v1/tickets/${id}/transitions`,
      headers: { authorization: `Bearer ${token('operator')}` },
      payload: { action: 'reject', reason: 'already collected this morning' },
    });
    const [closed] = (await s.app.inject({ url: `/open311/v2/requests/${id}.json` })).json();
    expect(closed).toMatchObject({
      status: 'closed',
      status_notes: 'not taken up: already collected this morning',
      expected_datetime: null,
    });
    const open = (
      await s.app.inject({ url: '/open311/v2/requests.json?status=open&service_code=garbage' })
    ).json();
    expect(open.map((r: { service_request_id: string }) => r.service_request_id)).not.toContain(id);
    const byId = (
      await s.app.inject({ url: `/open311/v2/requests.json?service_request_id=${id}&status=closed` })
    ).json();
    expect(byId).toHaveLength(1);
    const xml = await s.app.inject({ url: `/open311/v2/requests/${id}.xml` });
    expect(xml.body).toContain(`<service_request_id>${id}</service_request_id><status>closed</status>`);
  });

  it('answers bad requests in the GeoReport error format', async () => {
    const badKey = await post({ api_key: 'wrong', service_code: 'garbage', address_string: 'Renmin Rd 1' });
    expect(badKey.statusCode).toBe(403);
    expect(badKey.json()).toEqual([{ code: 403, description: 'api_key is not valid' }]);
    const noPlace = await post({ api_key: token('citizen-app'), service_code: 'garbage' });
    expect(noPlace.statusCode).toBe(400);
    expect(noPlace.json()[0].description).toContain('give lat and long, or address_string');
    const badCode = await post(
      { api_key: token('citizen-app'), service_code: 'dragons', address_string: 'x' },
      'xml',
    );
    expect(badCode.statusCode).toBe(400);
    expect(badCode.body).toContain('<errors><error><code>400</code>');
    const badDate = await s.app.inject({ url: '/open311/v2/requests.json?start_date=yesterday' });
    expect(badDate.statusCode).toBe(400);
  });

  it('filters requests by date window', async () => {
    const none = (
      await s.app.inject({ url: '/open311/v2/requests.json?end_date=2026-01-01T00:00:00Z' })
    ).json();
    expect(none).toEqual([]);
  });
});
