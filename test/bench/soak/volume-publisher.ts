import { connect } from 'mqtt';
import { MqttPublisher } from '../../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../../foundation/delivery/outbox/outbox.ts';
import { sampleEvent } from '../../delivery/mosquitto.ts';

/**
 * The soak's volume: an edge's delivery path (the real disk outbox and MQTT publisher) fed with
 * sample incidents of ten events (start, 8 updates, end) at `rate` events a second. Prints each
 * event as a JSON line once the outbox holds it. On SIGINT it finishes the incident under way,
 * waits until the broker has acknowledged everything, and exits.
 * Arguments: outbox folder, broker URL, edge id, run name, events per second.
 */
const [dir = '', url = '', edgeId = '', run = '', rate = '10'] = process.argv.slice(2);
const outbox = new Outbox(DiskOutboxStore.open(dir));
const publisher = new MqttPublisher({
  edgeId,
  mqtt: { url },
  connect,
  outbox,
  heartbeatSeconds: 5,
  backoff: { initialSeconds: 0.2, maxSeconds: 2 },
});
let stopping = false;
process.on('SIGINT', () => {
  stopping = true;
});
process.stderr.write(`volume publisher ${edgeId} started, ${outbox.depth} pending\n`);
const gapMs = 1000 / Number(rate);
const started = performance.now();
for (let n = 0; !stopping || n % 10 !== 0; n++) {
  const event = sampleEvent(edgeId, run, n);
  await publisher.deliver(event);
  process.stdout.write(`${JSON.stringify(event)}\n`);
  const due = started + (n + 1) * gapMs;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
}
await publisher.drained();
process.stderr.write('volume publisher drained\n');
await publisher.close();
await outbox.close();
process.exit(0);
