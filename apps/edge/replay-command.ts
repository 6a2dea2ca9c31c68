import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { replayVideo } from '../../edge/replay/replay.ts';
import { openLearnedRegions } from '../../edge/suppress/open-learned-regions.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { parsePositive } from './options.ts';

interface ReplayCommandOptions {
  config: string;
  camera?: string;
  speed: 'max' | 'realtime';
  out?: string;
  startTime: number;
  maxSeconds?: number;
  progress: boolean;
}

function parseStartTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(`"${value}" is not an ISO date-time (e.g. 2026-11-21T08:00:00Z)`);
  return ms;
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      "run a recorded video through a camera's pipeline and print its events, one JSON object per line",
    )
    .argument('<video>', 'video file (mp4, avi, mkv…) recorded from the camera')
    .requiredOption('-c, --config <file>', 'edge config (YAML)')
    .option('--camera <id>', 'camera of the config the video comes from (needed when it has several)')
    .addOption(
      new Option('--speed <speed>', "max: as fast as possible; realtime: at the video's pace")
        .choices(['max', 'realtime'])
        .default('max'),
    )
    .option('-o, --out <file>', 'write the events to this file (JSON lines) instead of standard output')
    .option(
      '--start-time <iso>',
      'wall-clock time of the first frame, for event timestamps (default: now)',
      parseStartTime,
      Date.now(),
    )
    .option('--max-seconds <n>', 'stop after this many seconds of video', parsePositive)
    .option('--no-progress', 'no progress bar even on a terminal')
    .action(async (video: string, options: ReplayCommandOptions) => {
      const config = await loadEdgeConfig(options.config);
      const info = await probeVideo(video);
      // The regions `edge run` would apply: those stored under the config's dataDir.
      const { regions } = await openLearnedRegions(config.dataDir, (m) => console.error(`replay: ${m}`));
      const out: WriteStream | NodeJS.WriteStream = options.out
        ? createWriteStream(options.out)
        : process.stdout;
      const total = Math.min(info.durationSeconds, options.maxSeconds ?? Number.POSITIVE_INFINITY);
      // A bar only where a person watches, and never interleaved with events on the same terminal.
      const showBar =
        options.progress && process.stderr.isTTY && (options.out !== undefined || !process.stdout.isTTY);
      const bar = showBar
        ? new SingleBar({
            format: 'replay [{bar}] {percentage}% | {value}/{total} s of video | {events} events',
            stream: process.stderr,
            hideCursor: true,
          })
        : undefined;
      bar?.start(Math.round(total), 0, { events: 0 });
      let events = 0;
      const summary = await replayVideo({
        config,
        video,
        ...(options.camera ? { cameraId: options.camera } : {}),
        speed: options.speed,
        epochMs: options.startTime,
        suppression: regions,
        ...(options.maxSeconds ? { maxSeconds: options.maxSeconds } : {}),
        onEvent: (event: EdgeEvent) => {
          events += 1;
          out.write(`${JSON.stringify(event)}\n`);
        },
        onFrame: (time) => bar?.update(Math.min(Math.round(time), Math.round(total)), { events }),
      });
      bar?.update(Math.round(total), { events });
      bar?.stop();
      if (options.out) {
        (out as WriteStream).end();
        await once(out, 'finish');
      }
      const { counters } = summary;
      console.error(
        `replay: ${summary.cameraId} ${summary.frameWidth}x${summary.frameHeight}: ${counters.framesSeen} frames (${counters.framesAnalysed} analysed, ${counters.framesSkippedByMotion} skipped by the motion gate), ${summary.events} events in ${summary.seconds.toFixed(1)} s (${(counters.framesSeen / summary.seconds).toFixed(1)} frames/s)`,
      );
    });
}
