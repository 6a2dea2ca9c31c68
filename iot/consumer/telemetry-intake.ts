import { parseTelemetry } from '../../foundation/contract/telemetry.ts';
import { parseTelemetryTopic } from '../../foundation/contract/topics.ts';
import type { PositionStore } from '../correlate/position-store.ts';
import type { IotErrorCode } from '../errors.ts';
import type { IngestOutcome, RuleEngine } from '../rules/rule-engine.ts';

/** A message that was not applied, with why; the cloud keeps them in its dead-letter table. */
export interface DeadLetter {
  topic: string;
  /** The payload as received (as UTF-8, cut to 2,000 characters). */
  payload: string;
  /** The payload's bytes exactly as received, uncut (the cloud stores them as they came). */
  bytes: Uint8Array;
  code: IotErrorCode;
  reason: string;
  receivedAt: string;
}

export interface DeadLetterSink {
  /** A returned promise (a database write) delays the message's PUBACK until it settles. */
  deadLetter(entry: DeadLetter): void | Promise<void>;
}

/** `duplicate` readings (QoS 1 redeliveries) are dropped quietly: they are not faults. */
export type IntakeOutcome = Exclude<IngestOutcome, 'late'> | 'dead';

/** Largest payload a reading can need; anything bigger is refused before parsing. */
export const MAX_TELEMETRY_BYTES = 4096;

/**
 * The boundary between the wire and the rule engine: checks topic, size, JSON and schema, and that
 * the payload's device is the topic's; refuses readings stamped too far in the future; hands the
 * rest to the engine. Whatever is not applied goes to the dead-letter sink with its code and
 * reason. Never throws on input.
 */
export class TelemetryIntake {
  private readonly maxFutureMs: number;

  constructor(
    private readonly engine: RuleEngine,
    options: { maxFutureSeconds: number },
    private readonly deadLetters: DeadLetterSink,
    /** Where vehicle positions are also kept, for correlation with camera events. */
    private readonly positions?: PositionStore,
  ) {
    this.maxFutureMs = options.maxFutureSeconds * 1000;
  }

  handle(topic: string, payload: Buffer | string, receivedAtMs: number): IntakeOutcome {
    const dead = (code: IotErrorCode, reason: string): IntakeOutcome => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      this.deadLetters.deadLetter({
        topic,
        payload: text.slice(0, 2000),
        bytes: typeof payload === 'string' ? Buffer.from(payload) : payload,
        code,
        reason,
        receivedAt: new Date(receivedAtMs).toISOString(),
      });
      return 'dead';
    };
    const route = parseTelemetryTopic(topic);
    if (!route)
      return dead('TELEMETRY_TOPIC_INVALID', `topic "${topic}" is not devices/{deviceId}/telemetry`);
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (size > MAX_TELEMETRY_BYTES) {
      return dead('TELEMETRY_TOO_LARGE', `${size} bytes, at most ${MAX_TELEMETRY_BYTES}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
    } catch (error) {
      return dead('TELEMETRY_NOT_JSON', (error as Error).message);
    }
    const parsed = parseTelemetry(json);
    if (!parsed.ok) return dead('TELEMETRY_INVALID', parsed.error);
    const reading = parsed.value;
    if (reading.deviceId !== route.deviceId) {
      return dead(
        'TELEMETRY_DEVICE_MISMATCH',
        `payload deviceId "${reading.deviceId}" on the topic of "${route.deviceId}"`,
      );
    }
    const timeMs = Date.parse(reading.time);
    if (timeMs - receivedAtMs > this.maxFutureMs) {
      return dead(
        'TELEMETRY_FUTURE',
        `time ${reading.time} is ${Math.round((timeMs - receivedAtMs) / 1000)} s ahead of the receiver's clock (at most ${this.maxFutureMs / 1000} s)`,
      );
    }
    if (reading.type === 'position') this.positions?.add(reading, timeMs);
    const outcome = this.engine.ingest(reading, timeMs);
    if (outcome === 'late') {
      return dead(
        'TELEMETRY_LATE',
        `time ${reading.time} is older than a reading already applied for ${reading.deviceId}`,
      );
    }
    return outcome;
  }
}

/** Dead letters kept in memory (tests, the demo); the cloud stores them in its table instead. */
export class MemoryDeadLetters implements DeadLetterSink {
  readonly entries: DeadLetter[] = [];

  deadLetter(entry: DeadLetter): void {
    this.entries.push(entry);
  }
}
