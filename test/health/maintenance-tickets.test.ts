import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import type { CameraFault, EdgeEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { backends, type TestDatabase } from '../cloud/support/databases.ts';
import { fixtureConfig, token } from '../cloud/support/fixtures.ts';

const T0 = Date.parse('2026-03-02T02:00:00Z');
const model = { name: 'camera-health', version: '1', sha256: 'c'.repeat(64) };

/** A camera_fault event as an edge's health diagnosis sends it (edge/health/camera-health.ts). */
function faultEvent(
  cameraId: string,
  fault: CameraFault,
  phase: 'start' | 'end',
  startedMs: number,
  atMs: number,
): EdgeEvent {
  const incidentId = `lingnan-hub:${cameraId}:camera-health-${fault}:${startedMs}`;
  return {
    schemaVersion: 1,
    eventId: `${incidentId}:${phase === 'start' ? 0 : 1}`,
    incidentId,
    sequence: phase === 'start' ? 0 : 1,
    type: 'camera_fault',
    phase,
    edgeId: 'lingnan-hub',
    cameraId,
    scenario: `camera-health-${fault}`,
    startedAt: new Date(startedMs).toISOString(),
    observedAt: new Date(atMs).toISOString(),
    ...(phase === 'end' ? { endedAt: new Date(atMs - 30_000).toISOString() } : {}),
    confidence: 1,
    objectCount: 0,
    objects: [],
    model,
    frame: { width: 416, height: 416 },
    evidence: {},
    fault,
  };
}

for (const backend of backends) {
  describe(`camera and edge maintenance tickets (${backend.name})`, () => {
    let cloud: RunningCloud;
    let database: TestDatabase | undefined;
    let now = T0;
    const get = async (url: string) => {
      const response = await fetch(`${cloud.url}/api/v1${url}`, {
        headers: { authorization: `Bearer ${token('supervisor')}` },
      });
      expect(response.status).toBe(200);
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read by the assertions below
      return (await response.json()) as any;
    };
    const publish = (topic: string, payload: unknown) =>
      cloud.core.processor.process(topic, new TextEncoder().encode(JSON.stringify(payload)));
    const status = (state: 'online' | 'offline') => ({
      state,
      edgeId: 'renmin-hub',
      clientId: 'renmin-hub-1',
      ...(state === 'online' ? { at: new Date(now).toISOString() } : { reason: 'connection lost' }),
    });

    beforeAll(async () => {
      const base = await fixtureConfig();
      database = backend.name === 'postgres' ? await backend.open() : undefined;
      cloud = await startCloud(
        {
          ...base,
          database: database?.url ? { url: database.url } : {},
          api: { host: '127.0.0.1', port: 0 },
          mqtt: { ...base.mqtt, embeddedPort: 0 },
        },
        { logger: false, ui: false, clock: () => new Date(now) },
      );
    }, 60_000);
    afterAll(async () => {
      await cloud?.stop();
      await database?.dispose();
    });

    it('routes a camera fault to camera maintenance, one ticket per camera, closed when the camera recovers', async () => {
      now = T0 + 60_000;
      const started = T0;
      await publish(
        topics.event('lingnan-hub', 'camera_fault'),
        faultEvent('ln-market', 'covered', 'start', started, now),
      );
      // The school road's camera, 1 km away, is frozen at the same time: its own job, not the same incident.
      await publish(
        topics.event('lingnan-hub', 'camera_fault'),
        faultEvent('ln-school', 'frozen', 'start', started, now),
      );
      const { tickets } = await get('/tickets?category=camera_fault');
      expect(tickets.map((t: { cameraId: string }) => t.cameraId).sort()).toEqual(['ln-market', 'ln-school']);
      for (const ticket of tickets)
        expect(ticket).toMatchObject({ department: 'camera-maintenance', state: 'new', level: 3 });

      const health = await get('/camera-health');
      expect(
        health
          .slice(0, 2)
          .map((c: { cameraId: string; health: string; faults: { fault: string }[] }) => [
            c.cameraId,
            c.health,
            c.faults[0]?.fault,
          ]),
      ).toEqual([
        ['ln-market', 'fault', 'covered'],
        ['ln-school', 'fault', 'frozen'],
      ]);

      now = T0 + 10 * 60_000;
      await publish(
        topics.event('lingnan-hub', 'camera_fault'),
        faultEvent('ln-market', 'covered', 'end', started, now),
      );
      await cloud.sweep();
      const market = tickets.find((t: { cameraId: string }) => t.cameraId === 'ln-market');
      const school = tickets.find((t: { cameraId: string }) => t.cameraId === 'ln-school');
      const closed = await get(`/tickets/${market.id}`);
      expect(closed.ticket.state).toBe('closed');
      expect(closed.history.at(-1)).toMatchObject({
        action: 'close',
        from: 'new',
        to: 'closed',
        role: 'system',
        actor: 'system:camera-health',
      });
      expect((await get(`/tickets/${school.id}`)).ticket.state).toBe('new');
      // A second sweep changes nothing.
      await cloud.sweep();
      expect((await get(`/tickets/${market.id}`)).history).toHaveLength(closed.history.length);
    });

    it('opens a ticket for an edge offline longer than edgeOfflineMinutes, and closes it when the edge is back', async () => {
      now = T0 + 20 * 60_000;
      await publish(topics.status('renmin-hub'), status('online'));
      now += 60_000;
      await publish(topics.status('renmin-hub'), status('offline'));
      const offlineTickets = async () =>
        (await get('/tickets?category=camera_fault')).tickets.filter((t: { description: string }) =>
          t.description.includes('renmin-hub'),
        );

      now += 9 * 60_000;
      await cloud.sweep();
      expect(await offlineTickets()).toEqual([]);

      now += 2 * 60_000;
      await cloud.sweep();
      await cloud.sweep();
      const [ticket, ...more] = await offlineTickets();
      expect(more).toEqual([]);
      expect(ticket).toMatchObject({
        department: 'camera-maintenance',
        state: 'new',
        category: 'camera_fault',
      });
      expect(ticket.description).toMatch(/edge renmin-hub offline since/);

      now += 5 * 60_000;
      await publish(topics.status('renmin-hub'), status('online'));
      await cloud.sweep();
      expect((await get(`/tickets/${ticket.id}`)).ticket.state).toBe('closed');
    });
  });
}
