import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { parsePositive } from './options.ts';

export const DEMO_VIDEO = fileURLToPath(new URL('../../fixtures/video/vtest.mp4', import.meta.url));

interface DemoOptions {
  video: string;
  model: string;
  fps: number;
}

function countByLabel(detections: readonly Detection[]): string {
  const counts = new Map<string, number>();
  for (const d of detections) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  return [...counts].map(([label, n]) => `${label}×${n}`).join(' ') || '-';
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the detector over the fixture video and print what it sees (what `npm start` runs)')
    .option('--video <file>', 'video to replay', DEMO_VIDEO)
    .option('-m, --model <name>', 'model name or manifest path', DEFAULT_MODEL)
    .option('--fps <n>', 'frames analysed per second of video', parsePositive, 2)
    .action(async (options: DemoOptions) => {
      const info = await probeVideo(options.video);
      const detector = await Detector.load(options.model);
      console.log(
        `${options.video}: ${info.width}x${info.height} ${info.codec} ${info.fps} fps ${info.durationSeconds.toFixed(1)} s; model ${detector.manifest.name} ${detector.manifest.version}, analysing ${options.fps} fps`,
      );
      const started = performance.now();
      let frames = 0;
      // A stretching model takes frames ffmpeg already scaled to its input: no resampling in sharp.
      const { input } = detector.manifest;
      const size = input.resize === 'stretch' ? input : info;
      for await (const frame of readFrames({
        source: options.video,
        fps: options.fps,
        width: size.width,
        height: size.height,
      })) {
        const detections = await detector.detect(frame);
        frames += 1;
        console.log(`t=${frame.time.toFixed(1).padStart(5)}s  ${countByLabel(detections)}`);
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`${frames} frames in ${seconds.toFixed(1)} s (${(frames / seconds).toFixed(1)} frames/s)`);
      await detector.dispose();
    });
}
