import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CloudCore } from '../services/cloud-core.ts';
import type { ProcessOutcome } from '../services/message-processor.ts';
import { FINAL_STATES, TICKET_STATES } from '../tickets/ticket-state-machine.ts';

export interface CloudMetrics {
  /** The Prometheus text exposition of every metric now. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops listening to the cloud (the live feed, the processor). */
  close(): void;
}

/** The broker consumers' backlog where the transport tells (NATS JetStream); undefined elsewhere. */
export type ConsumerLagSource = () => Promise<
  readonly { stream: string; durable: string; pending: number; ackPending: number }[] | undefined
>;

const outcomeOf = (outcome: ProcessOutcome) =>
  outcome.kind === 'event' ? (outcome.stored ? 'stored' : 'duplicate') : outcome.kind;

/**
 * The cloud's Prometheus metrics, in a registry of its own (several clouds may run in one
 * process): ingest by outcome, group-commit batch sizes and commit times, dead letters by code,
 * open tickets by state (read from the database at each scrape), escalations, and the process
 * (CPU, memory, event loop, GC) as prom-client collects it.
 */
export function createCloudMetrics(core: CloudCore, consumerLag?: ConsumerLagSource): CloudMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const messages = new Counter({
    name: 'cloud_ingest_messages_total',
    help: 'Broker messages committed, by outcome: stored, duplicate (stored before), status, dead_letter.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'cloud_ingest_batch_messages',
    help: 'Messages per committed group-commit transaction.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'cloud_ingest_commit_seconds',
    help: 'Time from beginning a batch transaction to its commit.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'cloud_dead_letters_total',
    help: 'Messages dead-lettered, by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const escalations = new Counter({
    name: 'cloud_escalations_total',
    help: 'Overdue ticket steps escalated to supervisors.',
    registers: [registry],
  });
  const open = TICKET_STATES.filter((state) => !FINAL_STATES.includes(state));
  new Gauge({
    name: 'cloud_tickets_open',
    help: 'Tickets in each state that is not final, as the database holds them at the scrape.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      // A database that is away leaves the last figures: the scrape still tells about the process.
      const counts = await core.store.tickets.openCountsByState(FINAL_STATES).catch(() => undefined);
      if (counts) for (const state of open) this.set({ state }, counts.get(state) ?? 0);
    },
  });

  if (consumerLag) registerConsumerLag(registry, consumerLag);

  core.processor.observe({
    committed(outcomes, seconds) {
      batchSize.observe(outcomes.length);
      commitSeconds.observe(seconds);
      for (const outcome of outcomes) {
        messages.inc({ outcome: outcomeOf(outcome) });
        if (outcome.kind === 'dead_letter') deadLetters.inc({ code: outcome.code });
      }
    },
    deadLettered(code) {
      messages.inc({ outcome: 'dead_letter' });
      deadLetters.inc({ code });
    },
  });
  const unsubscribe = core.live.subscribe((message) => {
    if (message.kind === 'escalation') escalations.inc();
  });
  return {
    render: () => registry.metrics(),
    contentType: registry.contentType,
    close() {
      unsubscribe();
      core.processor.observe(undefined);
    },
  };
}

/** Asked of the stream's leader once per scrape; a cluster that does not answer leaves the last figures. */
function registerConsumerLag(registry: Registry, consumerLag: ConsumerLagSource): void {
  let last: Awaited<ReturnType<ConsumerLagSource>>;
  let asking: Promise<void> | undefined;
  // Both gauges are collected together (prom-client starts every collect at once): one question.
  const current = async () => {
    asking ??= consumerLag()
      .catch(() => undefined)
      .then((lag) => {
        last = lag ?? last;
      })
      .finally(() => {
        asking = undefined;
      });
    await asking;
    return last ?? [];
  };
  new Gauge({
    name: 'cloud_ingest_consumer_pending',
    help: 'Messages in the stream not yet handed to any cloud instance (consumer lag), per durable consumer.',
    labelNames: ['stream', 'consumer'],
    registers: [registry],
    async collect() {
      for (const lag of await current()) this.set({ stream: lag.stream, consumer: lag.durable }, lag.pending);
    },
  });
  new Gauge({
    name: 'cloud_ingest_consumer_ack_pending',
    help: 'Messages handed to a cloud instance and not yet acknowledged (being committed), per durable consumer.',
    labelNames: ['stream', 'consumer'],
    registers: [registry],
    async collect() {
      for (const lag of await current())
        this.set({ stream: lag.stream, consumer: lag.durable }, lag.ackPending);
    },
  });
}
