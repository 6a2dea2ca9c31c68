import { benchClips } from './clip-bench.ts';
import { benchCloudIngest } from './cloud-ingest-bench.ts';
import { benchDetector } from './detector-bench.ts';
import { benchDrone } from './drone-bench.ts';
import { benchIot } from './iot-bench.ts';
import { benchOutbox } from './outbox-bench.ts';
import { benchPipeline } from './pipeline-bench.ts';

/**
 * `npm run bench`: speed and memory figures, each against a baseline run in the same process. The
 * pipeline bench runs first: its model-memory figure needs a process that has not yet loaded a model.
 */
await benchPipeline();
await benchDetector();
await benchOutbox();
await benchClips();
await benchIot();
await benchCloudIngest();
await benchDrone();
