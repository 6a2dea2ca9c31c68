import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { sampleEvent, sleep, startMosquitto } from './mosquitto.ts';
import { BACKOFF, captureLogger, DeliveryHarness, eventIds, publisherSettles } from './mqtt-harness.ts';

/**
 * What a broker refuses (a password, a topic, an unverified certificate), each against a mosquitto
 * of its own: the publisher says why, keeps what it could not deliver and delivers it once allowed.
 */

let harness: DeliveryHarness;

beforeAll(() => {
  harness = new DeliveryHarness();
});

afterAll(async () => {
  await harness?.dispose();
});

describe('MQTT delivery when the broker refuses', () => {
  it('logs a refused connection with its reason and keeps retrying with backoff', async () => {
    const secured = await startMosquitto({ users: { edge: 'right-password' } });
    harness.onDispose(() => secured.dispose());
    const logger = captureLogger();
    const mqtt = { url: secured.url, username: 'edge', password: 'wrong-password' };
    const { outbox, publisher: wrong } = harness.publisher('refused', { edgeId: 'edge-d', mqtt, logger });
    await wrong.deliver(sampleEvent('edge-d', 'refused', 0));
    await sleep(1500);
    const stats = wrong.stats();
    expect(stats.connected).toBe(false);
    expect(stats.connects).toBe(0);
    expect(stats.connectionFailures).toBeGreaterThanOrEqual(2);
    expect(stats.lastError).toMatch(
      /Connection refused: (Bad User Name or Password|Not authorized) \(13[45]\)/,
    );
    expect(logger.lines.join('\n')).toMatch(/MQTT connection failed.*"code":13[45]/);
    expect(outbox.depth).toBe(1);
    await wrong.close();

    // The same outbox with the right password delivers what waited.
    const right = new MqttPublisher({
      edgeId: 'edge-d',
      mqtt: { ...mqtt, password: 'right-password' },
      connect,
      outbox,
      backoff: BACKOFF,
    });
    await right.drained();
    expect(right.stats()).toMatchObject({ connected: true, acked: 1 });
    await right.close();
  });

  it('keeps a publish the broker refuses (PUBACK 0x87) and retries it, while the rest flows on', async () => {
    const edgeId = 'edge-e';
    const events = `edges/${edgeId}/events`;
    const guarded = await startMosquitto({
      acl: `topic readwrite edges/${edgeId}/status\ntopic read ${events}/#\ntopic write ${events}/loitering\n`,
    });
    harness.onDispose(() => guarded.dispose());
    const sub = await harness.subscribe(guarded.url, `${events}/#`, 'sub-refused');
    const logger = captureLogger();
    const { outbox, publisher } = harness.publisher('acl', { edgeId, mqtt: { url: guarded.url }, logger });
    const sent = [0, 1, 2].map((n) => sampleEvent(edgeId, 'acl', n));
    const refused = { ...(sent[1] as EdgeEvent), type: 'parking' as const };
    for (const event of [sent[0], refused, sent[2]]) await publisher.deliver(event as EdgeEvent);

    await sub.waitUntil((m) => eventIds(m).length >= 2, 'the two allowed events');
    await sleep(300);
    expect(eventIds(sub.messages)).toEqual([sent[0]?.eventId, sent[2]?.eventId]);
    expect(outbox.depth).toBe(1);
    expect(publisher.stats().refused).toBeGreaterThanOrEqual(1);
    expect(logger.lines.join('\n')).toMatch(/broker refused a publish.*"code":135/);

    await guarded.setAcl('topic readwrite #\n');
    await publisher.drained();
    await sub.waitUntil((m) => eventIds(m).includes(refused.eventId), 'the refused event, once allowed');
    expect(sub.messages.at(-1)?.topic).toBe(`${events}/parking`);
  });

  it('connects over mqtts with the CA file of the config, and refuses a server it cannot verify', async () => {
    const certs = path.join(harness.work, 'certs');
    fs.mkdirSync(certs, { mode: 0o755 });
    fs.chmodSync(harness.work, 0o755);
    const file = (name: string) => path.join(certs, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=test-ca',
    );
    openssl(
      'req',
      ...ec,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    );
    fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      ...['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key')],
      ...['-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('san.ext')],
    );
    for (const name of fs.readdirSync(certs)) fs.chmodSync(file(name), 0o644);
    const tls = await startMosquitto({
      config: [`cafile ${file('ca.crt')}`, `certfile ${file('server.crt')}`, `keyfile ${file('server.key')}`],
    });
    harness.onDispose(() => tls.dispose());
    const url = `mqtts://127.0.0.1:${tls.port}`;
    const edgeId = 'edge-f';

    const { outbox, publisher: unverified } = harness.publisher('tls', { edgeId, mqtt: { url } });
    await publisherSettles(unverified);
    expect(unverified.stats()).toMatchObject({ connected: false, connects: 0 });
    expect(unverified.stats().lastError).toMatch(/self[- ]signed|unable to verify|certificate/i);
    await unverified.close();

    const publisher = new MqttPublisher({
      edgeId,
      mqtt: { url, caFile: file('ca.crt') },
      connect,
      outbox,
      backoff: BACKOFF,
    });
    await publisher.deliver(sampleEvent(edgeId, 'tls', 0));
    await publisher.drained();
    expect(publisher.stats()).toMatchObject({ connected: true, acked: 1 });
    await publisher.close();
  });
});
