import { createHash } from 'node:crypto';
import { isDeviceEvent } from '../../foundation/contract/events.ts';
import type { DeadLetterCode } from '../errors.ts';
import { classifyMessage } from '../ingest/classify-message.ts';
import { failureKind } from '../ingest/failure-kind.ts';
import { partitionBatch } from '../ingest/plan-batch.ts';
import { WrittenMeanwhile } from '../ingest/written-meanwhile.ts';
import type { CloudStore } from '../repositories/cloud-store.ts';
import type { IncidentService } from './incident-service.ts';
import {
  type BatchWriterDeps,
  type BrokerMessage,
  type ClassifiedMessage,
  type ProcessOutcome,
  writeBatch,
} from './ingest-batch-writer.ts';
import type { LiveFeed, LiveMessage } from './live-feed.ts';
import type { TicketService } from './ticket-service.ts';
import type { VehicleCorrelator } from './vehicle-correlator.ts';

export type { BrokerMessage, ProcessOutcome } from './ingest-batch-writer.ts';

export interface ProcessorCounters {
  events: number;
  duplicates: number;
  statuses: number;
  deadLetters: number;
}

/** Told of each committed transaction of ingest (the /metrics histograms and counters). */
export interface IngestObserver {
  committed(outcomes: readonly ProcessOutcome[], seconds: number): void;
  /** A message dead-lettered alone after its batch failed (its own transaction). */
  deadLettered(code: DeadLetterCode): void;
}

/**
 * How many times storing one message may fail in a way that is neither its data nor an outage
 * (see failure-kind.ts), while the database answers, before it is dead-lettered
 * (MESSAGE_UNPROCESSABLE).
 */
export const MAX_UNKNOWN_FAILURES = 5;
/** Messages whose failures are remembered at once (one is in hand at a time per caller). */
const REMEMBERED_FAILURES = 64;
/** Tries of one transaction that loses races to others (WrittenMeanwhile, deadlock), before the caller retries it. */
const RACE_ATTEMPTS = 3;
/** Transactions one batch is written in at once, on PostgreSQL (its pool holds 10 connections). */
const PARALLEL_TRANSACTIONS = 2;
/** Below this many messages a batch is one transaction: a second would cost more round trips than it saves. */
const PARALLEL_MIN_MESSAGES = 64;

/**
 * Broker messages, start to commit, a batch at a time (group commit): classify each; in ONE
 * transaction store each event once by eventId and fold it into its incident and ticket, record
 * statuses, dead-letter what is invalid (ingest-batch-writer.ts). Resolves only once what it did
 * is committed, so the caller may acknowledge the whole batch then. A rejection means the batch
 * must come again: acknowledge none of it (what was committed of it is skipped the next time,
 * being stored by eventId).
 *
 * A batch that fails while the database answers is split in halves and each half tried again,
 * down to the one message at fault, so one bad event never fails the others of its batch. That
 * one message meets the failure policy of failure-kind.ts: data the database refuses is
 * dead-lettered at once; an outage is rejected every time, for as long as it lasts; anything else
 * is rejected until the same message has failed MAX_UNKNOWN_FAILURES times with the database
 * answering, then dead-lettered, so one poison message cannot hold the stream.
 */
export class MessageProcessor {
  readonly counters: ProcessorCounters = { events: 0, duplicates: 0, statuses: 0, deadLetters: 0 };
  /** Failures so far of messages that failed for an unknown reason, by topic and payload hash. */
  private readonly failures = new Map<string, number>();
  private observer: IngestObserver | undefined;

  private readonly deps: BatchWriterDeps;

  constructor(
    private readonly store: CloudStore,
    incidents: IncidentService,
    tickets: TicketService,
    private readonly live: LiveFeed,
    private readonly clock: () => Date = () => new Date(),
    /** Lists the trucks near the camera on uncovered-muck-truck tickets. */
    vehicles?: VehicleCorrelator,
  ) {
    this.deps = { incidents, tickets, vehicles };
  }

  observe(observer: IngestObserver | undefined): void {
    this.observer = observer;
  }

  /** One message: a batch of one. */
  async process(topic: string, payload: Uint8Array): Promise<ProcessOutcome> {
    const [outcome] = await this.processBatch([{ topic, payload }]);
    return outcome as ProcessOutcome;
  }

  /**
   * Each message's outcome, in order, once all of it is committed. On PostgreSQL a large batch is
   * written as PARALLEL_TRANSACTIONS transactions at once, split by camera (see partitionKey), so that the database works on one while this process prepares the other;
   * a merge across cameras is decided under the same locks as across instances. A rejection comes
   * only once none of them is running: the parts that committed come again as duplicates.
   */
  async processBatch(messages: readonly BrokerMessage[]): Promise<ProcessOutcome[]> {
    if (messages.length === 0) return [];
    const at = this.clock();
    const classified = messages.map((m) => ({ ...m, incoming: classifyMessage(m.topic, m.payload, at) }));
    const parallel = this.store.kind === 'postgres' && classified.length >= PARALLEL_MIN_MESSAGES;
    if (!parallel) return this.commitOrSplit(classified, at);
    const parts = partitionBatch(classified, partitionKey, PARALLEL_TRANSACTIONS);
    const settled = await Promise.allSettled(
      parts.map((p) =>
        this.commitOrSplit(
          p.map((x) => x.item),
          at,
        ),
      ),
    );
    const outcomes: ProcessOutcome[] = [];
    for (const [k, result] of settled.entries()) {
      if (result.status === 'rejected') throw result.reason;
      for (const [j, { index }] of (parts[k] ?? []).entries())
        outcomes[index] = result.value[j] as ProcessOutcome;
    }
    return outcomes;
  }

  private async commitOrSplit(messages: readonly ClassifiedMessage[], at: Date): Promise<ProcessOutcome[]> {
    const notices: LiveMessage[] = [];
    const started = performance.now();
    let outcomes: ProcessOutcome[];
    try {
      outcomes = await this.write(messages, at, notices);
    } catch (error) {
      if (messages.length === 1) return [await this.failed(error, messages[0] as ClassifiedMessage, at)];
      if (failureKind(error) === 'unavailable') throw error;
      const half = Math.ceil(messages.length / 2);
      const first = await this.commitOrSplit(messages.slice(0, half), at);
      return [...first, ...(await this.commitOrSplit(messages.slice(half), at))];
    }
    this.committed(messages, outcomes, (performance.now() - started) / 1000);
    // Committed: a listener that throws must not make the batch fail (and come again).
    for (const notice of notices) {
      try {
        this.live.publish(notice);
      } catch {}
    }
    return outcomes;
  }

  /**
   * One transaction of the batch, written again at once when it lost a race to another
   * transaction: some of it stored meanwhile, or a deadlock the database broke.
   */
  private async write(messages: readonly ClassifiedMessage[], at: Date, notices: LiveMessage[]) {
    for (let attempt = 1; ; attempt++) {
      notices.length = 0;
      try {
        return await this.store.transaction((repos) => writeBatch(repos, messages, at, this.deps, notices));
      } catch (error) {
        const lostRace = error instanceof WrittenMeanwhile || (error as { code?: unknown }).code === '40P01';
        if (!lostRace || attempt >= RACE_ATTEMPTS) throw error;
      }
    }
  }

  private committed(messages: readonly ClassifiedMessage[], outcomes: ProcessOutcome[], seconds: number) {
    for (const outcome of outcomes) {
      if (outcome.kind === 'event') {
        if (outcome.stored) this.counters.events++;
        else this.counters.duplicates++;
      } else if (outcome.kind === 'status') this.counters.statuses++;
      else this.counters.deadLetters++;
    }
    if (this.failures.size > 0)
      for (const m of messages) this.failures.delete(failureKey(m.topic, m.payload));
    this.observer?.committed(outcomes, seconds);
  }

  /** What a failure to store the message leads to: a dead letter, or a rejection (it comes again). */
  private async failed(error: unknown, message: ClassifiedMessage, at: Date): Promise<ProcessOutcome> {
    const { topic, payload } = message;
    const kind = message.incoming.kind === 'invalid' ? undefined : message.incoming.kind;
    const why = error instanceof Error ? error.message : String(error);
    const failure = failureKind(error);
    if (failure === 'unavailable') throw error;
    if (failure === 'data' && kind) {
      const code = kind === 'status' ? 'STATUS_UNSTORABLE' : 'EVENT_UNSTORABLE';
      return this.deadLetter(code, why, topic, payload, at);
    }
    // Unknown: the database must answer for this to count; an outage that shows differently is retried.
    if (!(await this.store.ingest.reachable())) throw error;
    const key = failureKey(topic, payload);
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key);
    if (failures < MAX_UNKNOWN_FAILURES) {
      this.failures.set(key, failures);
      if (this.failures.size > REMEMBERED_FAILURES) {
        const oldest = this.failures.keys().next().value;
        if (oldest !== undefined) this.failures.delete(oldest);
      }
      throw error;
    }
    const name = error instanceof Error ? error.name : typeof error;
    return this.deadLetter(
      'MESSAGE_UNPROCESSABLE',
      `failed ${failures} times while the database answered; last: ${name}: ${why}`,
      topic,
      payload,
      at,
    );
  }

  private async deadLetter(
    code: DeadLetterCode,
    reason: string,
    topic: string,
    payload: Uint8Array,
    at: Date,
  ): Promise<ProcessOutcome> {
    await this.store.ingest.insertDeadLetter({ code, reason, topic, payload }, at);
    this.counters.deadLetters++;
    this.observer?.deadLettered(code);
    return { kind: 'dead_letter', code };
  }
}

/**
 * Messages of one key keep their order: a camera's events (so its edge incidents' too), a
 * device incident's, an edge's statuses. By camera, since cameras far apart take different merge
 * locks (merge-cells.ts), so that the parts rarely wait for each other.
 */
function partitionKey(message: ClassifiedMessage): string {
  const { incoming } = message;
  if (incoming.kind === 'event') {
    const { event } = incoming;
    return isDeviceEvent(event) ? event.incidentId : `camera:${event.edgeId}/${event.cameraId}`;
  }
  return incoming.kind === 'status' ? `edge:${incoming.edgeId}` : message.topic;
}

function failureKey(topic: string, payload: Uint8Array): string {
  return createHash('sha256').update(topic).update('\u0000').update(payload).digest('hex');
}
