import { z } from 'zod';
import { type EdgeStatus, EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import {
  type IncidentMessage,
  isDeviceEvent,
  parseIncidentMessage,
} from '../../foundation/contract/events.ts';
import { CONTRACT_LIMITS } from '../../foundation/contract/limits.ts';
import { parseEventTopic } from '../../foundation/contract/topics.ts';
import type { DeadLetterCode } from '../errors.ts';

export type IncomingMessage =
  | { kind: 'event'; event: IncidentMessage }
  | { kind: 'status'; edgeId: string; status: EdgeStatus }
  | { kind: 'invalid'; code: DeadLetterCode; reason: string };

/** Refuses bad UTF-8; a whole-buffer decode keeps no state, so one decoder serves every message. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one place a message from the broker is read: its topic decides what it must be, its size
 * whether it is read at all, and the contract's schema whether it is what it must be. An event
 * whose times lie further ahead of `receivedAt` than the contract allows is refused too: its
 * edge's clock is wrong. New message kinds (IoT device events) are added here.
 */
export function classifyMessage(topic: string, payload: Uint8Array, receivedAt: Date): IncomingMessage {
  const status = /^edges\/([^/]+)\/status$/.exec(topic);
  const eventTopic = parseEventTopic(topic);
  if (!status && !eventTopic)
    return { kind: 'invalid', code: 'TOPIC_UNKNOWN', reason: `no messages expected on ${topic}` };
  if (payload.byteLength > CONTRACT_LIMITS.payloadBytes) {
    return {
      kind: 'invalid',
      code: 'PAYLOAD_TOO_LARGE',
      reason: `${payload.byteLength} bytes, at most ${CONTRACT_LIMITS.payloadBytes}`,
    };
  }

  let json: unknown;
  try {
    json = JSON.parse(UTF8.decode(payload));
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
  const ahead = aheadOf(event, receivedAt);
  if (ahead) return { kind: 'invalid', code: 'EVENT_CLOCK_AHEAD', reason: ahead };
  return { kind: 'event', event };
}

/** Which of the event's times lies too far ahead of `receivedAt`, and by how much; undefined when none. */
function aheadOf(event: IncidentMessage, receivedAt: Date): string | undefined {
  const limitMs = CONTRACT_LIMITS.clockAheadSeconds * 1000;
  for (const field of ['startedAt', 'observedAt', 'endedAt'] as const) {
    const at = event[field];
    if (at === undefined) continue;
    const aheadMs = Date.parse(at) - receivedAt.getTime();
    if (aheadMs > limitMs) {
      return `${field} ${at} is ${Math.round(aheadMs / 1000)} s ahead of the cloud's clock (${receivedAt.toISOString()}; at most ${CONTRACT_LIMITS.clockAheadSeconds} s)`;
    }
  }
  return undefined;
}
