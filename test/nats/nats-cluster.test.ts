import { describe, expect, it } from 'vitest';
import { runClusterScenario } from './support/cluster-scenario.ts';

// issue 14's drill on real processes: three nats-server nodes (JetStream R3, MQTT gateways), two
// cloud processes on one PostgreSQL database, three edges publishing MQTT QoS 1. The node leading
// $MQTT_msgs is SIGKILLed a third of the way in; one cloud is SIGKILLed half way and restarted.
describe('the cloud on a three-node NATS cluster that loses a node and a cloud instance', () => {
  it('stores every event NATS acknowledged to an edge exactly once, and makes one ticket per incident', async () => {
    const figures = await runClusterScenario({ edges: 3, eventsPerEdge: 300, window: 50, settleMs: 30_000 });
    console.log(
      `nats cluster drill: published ${figures.published} / acknowledged ${figures.acknowledged} / stored ${figures.stored}` +
        ` / lost ${figures.lost} / duplicate events ${figures.duplicateEvents} / incidents ${figures.incidents}` +
        ` / tickets ${figures.tickets} / duplicate tickets ${figures.duplicateTickets}` +
        ` (killed ${figures.killedNatsNode}, ${figures.seconds.toFixed(1)} s)`,
    );
    expect(figures.acknowledged).toBe(figures.published);
    expect(figures.lost).toBe(0);
    expect(figures.stored).toBe(figures.acknowledged);
    expect(figures.duplicateEvents).toBe(0);
    expect(figures.duplicateTickets).toBe(0);
    // 3 edges × 30 incidents of 10 events, each one ticket.
    expect(figures.incidents).toBe(90);
    expect(figures.tickets).toBe(90);
  }, 120_000);
});
