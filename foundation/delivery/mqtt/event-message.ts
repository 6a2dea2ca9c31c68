import { type IncidentMessage, isDeviceEvent, parseIncidentMessage } from '../../contract/events.ts';
import { topics } from '../../contract/topics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { OutboxMessage } from '../outbox/outbox-store.ts';

/** What the edge node calls with each event: resolves with the outbox seq once it is stored. */
export type EventSink = (event: IncidentMessage) => Promise<number>;

/**
 * The outbox message for an event (a camera's, or a device event from the IoT rules): its topic,
 * its JSON as the payload, and the stream its order is kept in (the camera, or the device).
 */
export function eventMessage(edgeId: string, event: IncidentMessage): OutboxMessage {
  const parsed = parseIncidentMessage(event);
  if (!parsed.ok) throw new TypeError(`not a valid event: ${parsed.error}`);
  const valid = parsed.event;
  if (isDeviceEvent(valid)) {
    if (valid.nodeId !== edgeId) throw new TypeError(`event of node ${valid.nodeId} on edge ${edgeId}`);
    return {
      cameraId: `device:${valid.deviceId}`,
      phase: valid.phase,
      topic: topics.deviceEvent(edgeId, valid.type),
      payload: JSON.stringify(valid),
    };
  }
  if (valid.edgeId !== edgeId) throw new TypeError(`event of edge ${valid.edgeId} on edge ${edgeId}`);
  return {
    cameraId: valid.cameraId,
    phase: valid.phase,
    topic: topics.event(edgeId, valid.type),
    payload: JSON.stringify(valid),
  };
}

/** A sink that puts events into the outbox (usable before, or without, a publisher). */
export function createEventSink(outbox: Outbox, edgeId: string): EventSink {
  return (event) => {
    try {
      return outbox.append(eventMessage(edgeId, event));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
