import { benchDetector } from './detector-bench.ts';

/** `npm run bench`: speed and memory figures, each against a baseline run in the same process. */
await benchDetector();
