import { z } from 'zod';
import { type EdgeStatus, EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import {
  type IncidentMessage,
  isDeviceEvent,
  parseIncidentMessage,
} from '../../foundation/contract/events.ts';
import { parseEventTopic } from '../../foundation/contract/topics.ts';
import type { DeadLetterCode } from '../errors.ts';

export type IncomingMessage =
  | { kind: 'event'; event: IncidentMessage }
  | { kind: 'status'; edgeId: string; status: EdgeStatus }
  | { kind: 'invalid'; code: DeadLetterCode; reason: string };

/**
 * The one place a message from the broker is read: its topic decides what it must be, and the
 * contract's schema decides whether it is. New message kinds (IoT device events) are added here.
 */
export function classifyMessage(topic: string, payload: Uint8Array): IncomingMessage {
  const status = /^edges\/([^/]+)\/status$/.exec(topic);
  const eventTopic = parseEventTopic(topic);
  if (!status && !eventTopic)
    return { kind: 'invalid', code: 'TOPIC_UNKNOWN', reason: `no messages expected on ${topic}` };

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    return { kind: 'invalid', code: 'PAYLOAD_NOT_JSON', reason: (error as Error).message };
  }

  if (status) {
    const edgeId = status[1] as string;
    const parsed = EdgeStatusSchema.safeParse(json);
    if (!parsed.success)
      return { kind: 'invalid', code: 'STATUS_INVALID', reason: z.prettifyError(parsed.error) };
    if (parsed.data.edgeId !== edgeId) {
      return {
        kind: 'invalid',
        code: 'STATUS_INVALID',
        reason: `status of edge "${parsed.data.edgeId}" on ${topic}`,
      };
    }
    return { kind: 'status', edgeId, status: parsed.data };
  }

  const parsed = parseIncidentMessage(json);
  if (!parsed.ok) return { kind: 'invalid', code: 'EVENT_INVALID', reason: parsed.error };
  const { event } = parsed;
  const from = isDeviceEvent(event) ? event.nodeId : event.edgeId;
  if (from !== eventTopic?.edgeId || event.type !== eventTopic.type) {
    return {
      kind: 'invalid',
      code: 'EVENT_TOPIC_MISMATCH',
      reason: `event of ${isDeviceEvent(event) ? 'node' : 'edge'} "${from}", type "${event.type}" on ${topic}`,
    };
  }
  return { kind: 'event', event };
}
