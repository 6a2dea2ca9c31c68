import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { EdgeNode } from '../../edge/runtime/edge-node.ts';
import { type EdgeEvent, parseEvent } from '../../foundation/contract/events.ts';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';

const execFileAsync = promisify(execFile);
let work: string;
let blackVideo: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'edge-health-'));
  blackVideo = path.join(work, 'black.mp4');
  // A camera whose picture is black: a lens cap, a dead sensor.
  // biome-ignore format: ffmpeg arguments read best grouped by option
  await execFileAsync(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=320x240:r=5:d=4',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', blackVideo,
  ]);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const fast = { openSeconds: 2, clearSeconds: 1, intervalSeconds: 0.5 };

describe('the edge node diagnoses its cameras', () => {
  it('raises no_signal for a camera that never connects and black for a black picture, ending both at stop', async () => {
    const config = parseEdgeConfig(
      stringify({
        edgeId: 'health-hub',
        dataDir: path.join(work, 'data'),
        models: { detector: { manifest: 'nanodet-g-416' } },
        cameras: [
          {
            id: 'unplugged',
            // Nothing listens on the discard port: every start fails, the source backs off.
            source: { url: 'rtsp://127.0.0.1:9/stream' },
            watchdog: { stallSeconds: 1, backoffInitialSeconds: 0.2, backoffMaxSeconds: 0.5 },
            health: fast,
          },
          { id: 'capped', source: { url: blackVideo, loop: true }, fps: 2, health: fast },
        ],
      }),
      'health-test.yaml',
      { baseDir: path.resolve('fixtures/configs') },
    );
    const events: EdgeEvent[] = [];
    const node = await EdgeNode.start(config, { onEvent: (event) => events.push(event) });
    const deadline = Date.now() + 60_000;
    while (events.filter((e) => e.phase === 'start').length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    await node.stop();

    const seen = events.map((e) => `${e.cameraId}:${e.fault}:${e.phase}`).sort();
    expect(seen).toEqual([
      'capped:black:end',
      'capped:black:start',
      'unplugged:no_signal:end',
      'unplugged:no_signal:start',
    ]);
    for (const event of events) {
      expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
      expect(event).toMatchObject({
        type: 'camera_fault',
        edgeId: 'health-hub',
        model: { name: 'camera-health' },
      });
    }
  }, 90_000);
});
