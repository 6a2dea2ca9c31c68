import { describe, expect, it } from 'vitest';
import type { PublishLink } from '../../foundation/delivery/mqtt/publish-link.ts';
import { SILENT } from '../../foundation/delivery/mqtt/publish-link.ts';
import { PublishPump } from '../../foundation/delivery/mqtt/publish-pump.ts';
import { MemoryOutboxStore } from '../../foundation/delivery/outbox/memory-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { message, seqs } from './outbox-messages.ts';

/** The pump against a fake link: no broker, no sockets; PUBACKs come when the test says. */

interface Sent {
  payload: string;
  done: (error?: Error) => void;
}

class FakeLink implements PublishLink {
  connected = true;
  receiveMaximum = 65_535;
  readonly sent: Sent[] = [];

  publish(_topic: string, payload: string, _retain: boolean, done: (error?: Error) => void): void {
    this.sent.push({ payload, done });
  }

  /** PUBACKs the oldest unacknowledged publishes. */
  ack(count: number, error?: Error): void {
    for (const sent of this.sent.splice(0, count)) sent.done(error);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const ids = (sent: Sent[]) => sent.map((s) => (JSON.parse(s.payload) as { eventId: string }).eventId);

function setUp(options: { maxInFlight?: number; connected?: boolean } = {}) {
  const outbox = new Outbox(new MemoryOutboxStore());
  const link = new FakeLink();
  link.connected = options.connected ?? true;
  let now = 0;
  const pump = new PublishPump({
    outbox,
    link,
    maxInFlight: options.maxInFlight ?? 100,
    backoff: { initialSeconds: 0.01, maxSeconds: 0.01 },
    clock: () => now,
    random: () => 1,
    logger: SILENT,
  });
  return { outbox, link, pump, advance: (ms: number) => (now += ms) };
}

describe('PublishPump', () => {
  it('publishes in seq order, keeps the in-flight limit, and acks on PUBACK', async () => {
    const { outbox, link, pump } = setUp({ maxInFlight: 2 });
    for (let n = 1; n <= 5; n++) await outbox.append(message(n));
    await tick();
    expect(ids(link.sent)).toEqual(['ev-1', 'ev-2']);
    link.ack(1);
    await tick();
    expect(ids(link.sent)).toEqual(['ev-2', 'ev-3']);
    expect(seqs(outbox)).toEqual([2, 3, 4, 5]);
    const drained = pump.drained();
    for (let k = 0; k < 4; k++) {
      link.ack(1);
      await tick();
    }
    await drained;
    expect(pump.stats()).toMatchObject({ published: 5, acked: 5, inFlight: 0, refused: 0 });
  });

  it("never has more in flight than the broker's Receive Maximum", async () => {
    const { outbox, link } = setUp();
    link.receiveMaximum = 1;
    await Promise.all([1, 2, 3].map((n) => outbox.append(message(n))));
    await tick();
    expect(ids(link.sent)).toEqual(['ev-1']);
  });

  it('publishes nothing while disconnected, and everything pending once pumped after a connect', async () => {
    const { outbox, link, pump } = setUp({ connected: false });
    await outbox.append(message(1));
    await outbox.append(message(2));
    await tick();
    expect(link.sent).toEqual([]);
    link.connected = true;
    pump.pump();
    expect(ids(link.sent)).toEqual(['ev-1', 'ev-2']);
  });

  it('keeps a refused publish and retries it after its backoff, while the rest flows on', async () => {
    const { outbox, link, pump, advance } = setUp();
    await outbox.append(message(1));
    await tick();
    link.ack(1, new Error('not authorised'));
    await outbox.append(message(2));
    await tick();
    expect(ids(link.sent)).toEqual(['ev-2']);
    link.ack(1);
    expect(seqs(outbox)).toEqual([1]);
    advance(20);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ids(link.sent)).toEqual(['ev-1']);
    link.ack(1);
    expect(seqs(outbox)).toEqual([]);
    expect(pump.stats()).toMatchObject({ published: 3, acked: 2, refused: 1 });
  });

  it('publishes nothing after stop', async () => {
    const { outbox, link, pump } = setUp();
    pump.stop();
    await outbox.append(message(1));
    await tick();
    pump.pump();
    expect(link.sent).toEqual([]);
  });
});
