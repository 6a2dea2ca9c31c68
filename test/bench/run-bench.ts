import { benchAdversarialSoak } from './adversarial-soak.ts';
import { benchBackground } from './background-bench.ts';
import { benchClips } from './clip-bench.ts';
import { benchCloudIngest } from './cloud-ingest-bench.ts';
import { benchDetector } from './detector-bench.ts';
import { benchDrone } from './drone-bench.ts';
import { benchHealth } from './health-bench.ts';
import { benchIot } from './iot-bench.ts';
import { benchNatsCluster } from './nats-cluster-bench.ts';
import { benchOutbox } from './outbox-bench.ts';
import { benchPipeline } from './pipeline-bench.ts';
import { benchPlates } from './plate-bench.ts';
import { benchVerifier } from './verifier-bench.ts';

/**
 * `npm run bench`: speed and memory figures, each against a baseline run in the same process, then
 * issue 18's adversarial soak. `npm run bench -- soak outbox` runs only the benches named. The
 * pipeline bench runs first: its model-memory figure needs a process that has not yet loaded a model.
 */
const BENCHES: Record<string, () => Promise<unknown>> = {
  pipeline: benchPipeline,
  detector: benchDetector,
  background: benchBackground,
  outbox: benchOutbox,
  clips: benchClips,
  iot: benchIot,
  'cloud-ingest': benchCloudIngest,
  'nats-cluster': benchNatsCluster,
  drone: benchDrone,
  plates: benchPlates,
  verifier: benchVerifier,
  health: benchHealth,
  soak: benchAdversarialSoak,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`no bench ${unknown.join(', ')}; the benches: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const [name, bench] of Object.entries(BENCHES)) {
  if (chosen.length === 0 || chosen.includes(name)) await bench();
}
