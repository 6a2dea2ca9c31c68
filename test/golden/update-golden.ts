/**
 * Re-records the expected events of golden files from a replay: `npm run fixtures:golden [file…]`
 * (default: every file in fixtures/expected). Review the diff before committing: a golden file is
 * a claim about what the system must do on that video.
 */
import { writeFileSync } from 'node:fs';
import { listGoldenFiles, readGoldenFile, replayGolden } from './golden-events.ts';

const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : listGoldenFiles();
for (const file of files) {
  const golden = readGoldenFile(file);
  const started = performance.now();
  const { events } = await replayGolden(golden);
  writeFileSync(file, `${JSON.stringify({ ...golden, events }, null, 2)}\n`);
  const list = events.map((e) => `${e.scenario}/${e.phase}@${e.observedAt}s`).join(', ') || 'none';
  console.log(
    `${file}: ${events.length} events in ${((performance.now() - started) / 1000).toFixed(1)} s: ${list}`,
  );
}
