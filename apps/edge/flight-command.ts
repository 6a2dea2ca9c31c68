import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { FlightService } from '../../edge/drone/flight-service.ts';
import { openCvInitMs } from '../../edge/drone/opencv.ts';

interface FlightCommandOptions {
  config: string;
  area?: string;
  method?: 'deep' | 'pixel';
  out?: string;
  evidence: boolean;
  accept: boolean;
}

export function registerFlightCommand(program: Command): void {
  program
    .command('flight')
    .description(
      "compare a drone flight's images with their areas' baselines and print illegal-structure events, one JSON object per line",
    )
    .argument(
      '<dir>',
      'folder of the flight: JPEGs with GPS EXIF, GeoTIFF orthophotos, or images with world files',
    )
    .requiredOption('-c, --config <file>', 'flight config (YAML)')
    .option('--area <id>', 'area of every image, for images without GPS or a georeference')
    .addOption(
      new Option('--method <method>', "change detector (default: the config's)").choices(['deep', 'pixel']),
    )
    .option('-o, --out <file>', 'write the events to this file (JSON lines) instead of standard output')
    .option('--no-evidence', 'do not write before/after crops')
    .option('--accept', "make each compared image its area's new baseline", false)
    .action(async (dir: string, options: FlightCommandOptions) => {
      const config = await loadFlightConfig(options.config);
      const service = await FlightService.create(config);
      const out: WriteStream | NodeJS.WriteStream = options.out
        ? createWriteStream(options.out)
        : process.stdout;
      const started = performance.now();
      try {
        const report = await service.processFlight(dir, {
          ...(options.area ? { areaId: options.area } : {}),
          ...(options.method ? { method: options.method } : {}),
          evidence: options.evidence,
          accept: options.accept,
          onEvent: (event) => out.write(`${JSON.stringify(event)}\n`),
          onImage: (outcome) => {
            if (outcome.status === 'refused') {
              console.error(`flight: ${outcome.image} refused: ${outcome.reason}`);
              return;
            }
            const q = outcome.registration;
            const suppressed = outcome.candidates.filter((c) => c.permit).length;
            const t = outcome.tiling;
            const tiles = t
              ? `; in ${t.tiles.total} tiles (${t.tiles.refined} registered on their own, ${t.tiles.coarse} on the ${t.coarse} alignment, ${t.tiles.uncovered} uncovered) at ${(t.analysisScale * 100).toFixed(0)} % of the baseline's resolution`
              : '';
            console.error(
              `flight: ${outcome.image} → ${outcome.area} (baseline ${outcome.baseline}): ${q.inliers} inliers of ${q.matches} matches, reprojection error ${q.reprojectionErrorPx.toFixed(2)} px, overlap ${(q.overlap * 100).toFixed(0)} %${tiles}; ${outcome.candidates.length} structures (${suppressed} permitted), ${outcome.method}, ${Math.round(outcome.timings.registerMs + outcome.timings.detectMs)} ms`,
            );
            if (outcome.notAccepted)
              console.error(`flight: ${outcome.image}: not accepted: ${outcome.notAccepted}`);
          },
        });
        const refused = report.images.filter((i) => i.status === 'refused').length;
        console.error(
          `flight: ${report.flight}: ${report.images.length} images (${refused} refused), ${report.events.length} events in ${((performance.now() - started) / 1000).toFixed(1)} s (OpenCV start-up ${Math.round(openCvInitMs)} ms)`,
        );
      } finally {
        await service.close();
        if (options.out) {
          (out as WriteStream).end();
          await once(out, 'finish');
        }
      }
    });
}
