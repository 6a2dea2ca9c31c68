import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotLabels } from '../../cloud/labels/label-schema.ts';
import type { Ticket } from '../../cloud/tickets/ticket-schema.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { openServer } from './support/server.ts';

const SNAPSHOT = 'b'.repeat(64);

describe.each(backends)('labels of a ticket snapshot over the API on $name', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  let ticket: Ticket;
  const url = (sha = SNAPSHOT, id = ticket.id) => `/api/v1/tickets/${id}/snapshots/${sha}/labels`;
  const put = (user: string, body: Record<string, unknown>, sha = SNAPSHOT) =>
    s.app.inject({ method: 'PUT', url: url(sha), headers: s.as(user), payload: body });
  const get = async (user = 'operator') =>
    (await s.app.inject({ url: url(), headers: s.as(user) })).json() as SnapshotLabels;

  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
    // The snapshot was taken on the start event; the update carries it on with other boxes.
    const start = {
      ...edgeEvent({
        edgeId: 'lingnan-hub',
        cameraId: 'ln-market',
        key: 'labels',
        startedAt: '2026-11-21T03:59:00Z',
      }),
      evidence: { snapshot: { sha256: SNAPSHOT, size: 1000, contentType: 'image/jpeg' as const } },
    };
    const update = {
      ...edgeEvent({
        edgeId: 'lingnan-hub',
        cameraId: 'ln-market',
        key: 'labels',
        sequence: 1,
        startedAt: '2026-11-21T03:59:00Z',
      }),
      objects: [
        {
          trackId: 9,
          label: 'car',
          score: 0.5,
          box: [0.6, 0.6, 0.7, 0.7] as [number, number, number, number],
        },
      ],
      evidence: start.evidence,
    };
    for (const event of [update, start]) {
      const m = message(event);
      await s.core.processor.process(m.topic, m.payload);
    }
    const list = await s.app.inject({ url: '/api/v1/tickets?source=ai', headers: s.as('operator') });
    ticket = (list.json().tickets as Ticket[])[0] as Ticket;
  });
  afterAll(() => s.dispose());

  it("shows the AI's boxes of the event the snapshot was taken on, unlabelled, with label choices", async () => {
    const labels = await get();
    expect(labels.snapshot).toMatchObject({
      sha256: SNAPSHOT,
      eventId: expect.stringMatching(/:0$/),
      cameraId: 'ln-market',
    });
    expect(labels.aiObjects.map((o) => o.label)).toEqual(['person', 'umbrella']);
    expect(labels.labels).toBeNull();
    expect(labels.history).toEqual([]);
    expect(labels.review).toBeNull();
    expect(labels.labelChoices).toEqual(expect.arrayContaining(['car', 'person', 'umbrella']));
  });

  it('keeps each save as a revision with who and when, beside the review decision', async () => {
    const first = await put('operator', {
      baseRevision: 0,
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'wrong_label', label: 'Cart' },
      ],
      drawn: [{ box: [0.7, 0.2, 0.8, 0.6], label: 'person' }],
    });
    expect(first.statusCode, first.body).toBe(200);
    s.clock.advanceMinutes(5);
    await s.app.inject({
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
      headers: s.as('operator'),
      payload: { action: 'reject', reason: 'false_detection' },
    });
    const second = await put('supervisor', {
      baseRevision: 1,
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'not_object' },
      ],
      drawn: [],
    });
    expect(second.statusCode, second.body).toBe(200);
    const labels = await get('handler');
    expect(labels.labels).toMatchObject({
      revision: 2,
      labelledBy: 'supervisor',
      source: 'operator',
      objects: [
        { index: 0, verdict: 'right' },
        { index: 1, verdict: 'not_object' },
      ],
      drawn: [],
    });
    expect(labels.history.map((h) => [h.revision, h.labelledBy, h.labelledAt])).toEqual([
      [2, 'supervisor', '2026-11-21T04:05:00.000Z'],
      [1, 'operator', '2026-11-21T04:00:00.000Z'],
    ]);
    expect(labels.review).toMatchObject({ action: 'reject', reason: 'false_detection', actor: 'operator' });
    expect(labels.labelChoices).toContain('cart');
    // The reject means what it meant: the ticket is rejected with its reason, nothing else.
    const detail = (
      await s.app.inject({ url: `/api/v1/tickets/${ticket.id}`, headers: s.as('operator') })
    ).json();
    expect(detail.ticket).toMatchObject({ state: 'rejected', rejectReason: 'false_detection' });
  });

  it('refuses a save from a stale revision, naming who saved since', async () => {
    const stale = await put('operator', { baseRevision: 1, objects: [], drawn: [] });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'LABELS_CHANGED', revision: 2 });
    expect(stale.json().error.message).toContain('supervisor saved revision 2');
  });

  it('refuses verdicts on boxes the event lacks, twice on one box, or a wrong label that is the same', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ index: 2, verdict: 'right' }, "index 2, but the snapshot's event has 2 object(s)"],
      [{ index: 0, verdict: 'wrong_label', label: 'person' }, "the AI's own label"],
    ];
    for (const [object, text] of cases) {
      const res = await put('operator', { baseRevision: 2, objects: [object], drawn: [] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('LABELS_INVALID');
      expect(res.json().error.message).toContain(text);
    }
    const twice = await put('operator', {
      baseRevision: 2,
      objects: [
        { index: 0, verdict: 'right' },
        { index: 0, verdict: 'not_object' },
      ],
      drawn: [],
    });
    expect(twice.json().error.message).toContain('object 0 is judged twice');
    const noBox = await put('operator', {
      baseRevision: 2,
      objects: [],
      drawn: [{ box: [0.5, 0.5, 0.5, 0.6], label: 'person' }],
    });
    expect(noBox.statusCode).toBe(400);
    expect(noBox.json().error.message).toContain('drawn/0/box');
    const wrongLabelWithout = await put('operator', {
      baseRevision: 2,
      objects: [{ index: 1, verdict: 'wrong_label' }],
      drawn: [],
    });
    expect(wrongLabelWithout.statusCode).toBe(400);
  });

  it("answers 404 for a snapshot that is not the ticket's, and 403 for a role that may not review", async () => {
    const other = await s.app.inject({ url: url('c'.repeat(64)), headers: s.as('operator') });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('SNAPSHOT_NOT_FOUND');
    const noTicket = await s.app.inject({ url: url(SNAPSHOT, 999999), headers: s.as('operator') });
    expect(noTicket.json().error.code).toBe('TICKET_NOT_FOUND');
    const dispatcher = await put('dispatcher', { baseRevision: 2, objects: [], drawn: [] });
    expect(dispatcher.statusCode).toBe(403);
    expect((await get()).labels?.revision).toBe(2);
  });
});
