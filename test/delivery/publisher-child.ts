import { connect } from 'mqtt';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { sampleEvent } from './mosquitto.ts';

/**
 * A publisher in a process of its own, for the delivery tests to kill: appends `count` sample
 * events and says on stdout what it did (`pending N`, `appended ID`, `connected`, `drained`).
 * Arguments: outbox folder, broker URL, edge id, run name, count.
 */

const [dir = '', url = '', edgeId = '', run = '', count = '0'] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const outbox = new Outbox(DiskOutboxStore.open(dir));
const publisher = new MqttPublisher({
  edgeId,
  mqtt: { url },
  connect,
  outbox,
  heartbeatSeconds: 1,
  backoff: { initialSeconds: 0.1, maxSeconds: 0.5 },
  health: () => [
    {
      id: 'cam-a',
      state: 'running',
      lastFrameTime: 1_700_000_000_000,
      reconnects: 0,
      lastError: null,
      framesDecoded: 42,
    },
  ],
});
let connected = false;
setInterval(() => {
  if (publisher.connected === connected) return;
  connected = publisher.connected;
  say(connected ? 'connected' : 'disconnected');
}, 5);
process.on('SIGTERM', () => {
  void publisher
    .close()
    .then(() => outbox.close())
    .then(() => process.exit(0));
});
say(`pending ${outbox.depth}`);
for (let n = 0; n < Number(count); n++) {
  const event = sampleEvent(edgeId, run, n);
  await publisher.deliver(event);
  say(`appended ${event.eventId}`);
  await new Promise((resolve) => setTimeout(resolve, 3));
}
await publisher.drained();
say('drained');
