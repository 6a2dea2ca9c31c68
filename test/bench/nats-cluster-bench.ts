import os from 'node:os';
import { runClusterScenario, type ScenarioFigures } from '../nats/support/cluster-scenario.ts';
import { printTable } from './stats.ts';

const EDGES = Number(process.env.BENCH_NATS_EDGES ?? 10);
const EVENTS_PER_EDGE = Number(process.env.BENCH_NATS_EVENTS ?? 1000);

/**
 * issue 14's failure drill at bench size (test/nats/support/cluster-scenario.ts): three nats-server
 * nodes, two cloud processes on PostgreSQL, simulated edges over MQTT. The same load runs first with
 * no failure (the baseline), then with the $MQTT_msgs leader SIGKILLed and a cloud instance
 * SIGKILLed and restarted. Events/s is acknowledged events over the time until all were stored.
 */
export async function benchNatsCluster(): Promise<void> {
  const options = { edges: EDGES, eventsPerEdge: EVENTS_PER_EDGE, window: 100, settleMs: 120_000 };
  const baseline = await runClusterScenario({ ...options, drill: false });
  const drill = await runClusterScenario({ ...options, drill: true });
  const row = (what: string, f: ScenarioFigures) => [
    what,
    ...[f.published, f.acknowledged, f.stored, f.lost, f.duplicateEvents, f.tickets, f.duplicateTickets].map(
      String,
    ),
    Math.round(f.acknowledged / f.seconds),
    (f.acknowledged / f.seconds / (baseline.acknowledged / baseline.seconds)).toFixed(3),
  ];
  printTable(
    `nats cluster: ${EDGES} edges × ${EVENTS_PER_EDGE} events, 3 nats-server nodes (R3), 2 cloud processes on PostgreSQL; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    [
      [
        'what',
        'published',
        'acked',
        'stored',
        'lost',
        'dup events',
        'tickets',
        'dup tickets',
        'events/s',
        'ratio',
      ],
      row('no failure (baseline)', baseline),
      row(`SIGKILL ${drill.killedNatsNode} + cloud-b`, drill),
    ],
  );
}
