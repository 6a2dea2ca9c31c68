import { EventEmitter } from 'node:events';
import type { IClientOptions, IConnackPacket, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqttSession, type MqttSessionOptions } from '../../foundation/delivery/mqtt/mqtt-session.ts';
import { SILENT } from '../../foundation/delivery/mqtt/publish-link.ts';

/** The session with a client of the test's own (from its factory): no broker, fake timers. */

class FakeClient extends EventEmitter {
  connects = 0;
  readonly published: { topic: string; options: object }[] = [];
  stream = { setNoDelay: vi.fn() };
  connect() {
    this.connects++;
  }
  publish(topic: string, _payload: string, options: object, done: () => void) {
    this.published.push({ topic, options });
    done();
  }
  endAsync() {
    return Promise.resolve();
  }
}

function open(overrides: Partial<MqttSessionOptions> = {}) {
  const client = new FakeClient();
  const built: { url: string; options: IClientOptions }[] = [];
  const events: string[] = [];
  const session = new MqttSession({
    connection: { url: 'mqtt://broker:1883', username: 'edge' },
    clientId: 'edge-e1',
    connect: (url, options) => {
      built.push({ url, options });
      return client as unknown as MqttClient;
    },
    will: { topic: 'edges/e1/status', payload: '{"state":"offline"}' },
    backoff: { initialSeconds: 1, maxSeconds: 8 },
    clock: () => Date.now(),
    random: () => 1,
    logger: SILENT,
    up: () => events.push('up'),
    down: (lost) => events.push(lost ? 'lost' : 'down'),
    ...overrides,
  });
  return { client, built, events, session };
}

const connack = (receiveMaximum?: number) =>
  ({
    cmd: 'connack',
    sessionPresent: false,
    ...(receiveMaximum ? { properties: { receiveMaximum } } : {}),
  }) as IConnackPacket;

afterEach(() => {
  vi.useRealTimers();
});

describe('MqttSession', () => {
  it('asks its factory for a persistent MQTT 5 session with a retained Will and no reconnects of its own', () => {
    const { built } = open();
    expect(built).toHaveLength(1);
    expect(built[0]?.url).toBe('mqtt://broker:1883');
    expect(built[0]?.options).toMatchObject({
      protocolVersion: 5,
      clientId: 'edge-e1',
      clean: false,
      properties: { sessionExpiryInterval: 86_400 },
      reconnectPeriod: 0,
      username: 'edge',
      will: { topic: 'edges/e1/status', qos: 1, retain: true, properties: { willDelayInterval: 0 } },
    });
    expect(String(built[0]?.options.will?.payload)).toBe('{"state":"offline"}');
  });

  it('under MQTT 3.1.1 sends no properties', () => {
    const { built, client, session } = open({ connection: { url: 'mqtt://broker', protocolVersion: 4 } });
    expect(built[0]?.options).toMatchObject({ protocolVersion: 4 });
    expect(built[0]?.options.properties).toBeUndefined();
    expect(built[0]?.options.will?.properties).toBeUndefined();
    client.emit('connect', connack());
    session.publish('t', '{}', false, () => {});
    expect(client.published[0]?.options).toEqual({ qos: 1 });
  });

  it("is up on CONNACK with the broker's Receive Maximum, and publishes QoS 1 JSON", () => {
    const { client, events, session } = open();
    client.emit('connect', connack(20));
    expect(session.connected).toBe(true);
    expect(session.receiveMaximum).toBe(20);
    expect(client.stream.setNoDelay).toHaveBeenCalledWith(true);
    expect(events).toEqual(['up']);
    session.publish('t', '{}', true, () => {});
    expect(client.published[0]?.options).toEqual({
      qos: 1,
      retain: true,
      properties: { payloadFormatIndicator: true, contentType: 'application/json' },
    });
  });

  it('reconnects after a loss with growing backoff, and counts each failure', () => {
    vi.useFakeTimers();
    const { client, events, session } = open();
    client.emit('connect', connack());
    client.emit('close');
    expect(events).toEqual(['up', 'lost']);
    vi.advanceTimersByTime(999);
    expect(client.connects).toBe(0);
    vi.advanceTimersByTime(1);
    expect(client.connects).toBe(1);
    client.emit('close');
    vi.advanceTimersByTime(1999);
    expect(client.connects).toBe(1);
    vi.advanceTimersByTime(1);
    expect(client.connects).toBe(2);
    expect(session.stats()).toMatchObject({ connects: 1, connectionFailures: 2 });
  });

  it('on close publishes its last words while connected and stops reconnecting', async () => {
    const { client, session } = open();
    client.emit('connect', connack());
    await session.close(100, () => ({ topic: 'edges/e1/status', payload: '{"state":"offline"}' }));
    expect(client.published.map((p) => p.topic)).toEqual(['edges/e1/status']);
    expect(session.connected).toBe(false);
    client.emit('close');
    expect(client.connects).toBe(0);
  });
});
