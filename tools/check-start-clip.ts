/**
 * The README's `npm start`, end to end, as a user runs it: starts the demo, waits (bounded) until an
 * AI ticket carries a clip that the cloud serves and ffmpeg reads as video, then stops the demo with
 * SIGINT as Ctrl-C would. Exits 0 with one line saying what it found, or 1 naming what never came,
 * with the end of the demo's output. `.ci/run` runs it with the system ffmpeg hidden from PATH, so
 * that the npm-shipped ffmpeg records and cuts the clip.
 *
 *   npm run smoke:start            SMOKE_TIMEOUT_SECONDS (default 240) bounds the wait
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeVideo } from '../foundation/media/ffprobe.ts';

const timeoutSeconds = Number(process.env.SMOKE_TIMEOUT_SECONDS ?? 240);
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

interface Evidence {
  kind: string;
  url: string;
  cameraId: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function stopDemo(demo: ChildProcess): Promise<void> {
  if (demo.exitCode !== null || demo.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => process.kill(-(demo.pid as number), 'SIGKILL'), 30_000);
    demo.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // npm and the demo under it form one process group: Ctrl-C reaches both.
    process.kill(-(demo.pid as number), 'SIGINT');
  });
}

async function main(): Promise<number> {
  const port = await freePort();
  const demo = spawn('npm', ['start'], {
    env: { ...process.env, DEMO_PORT: String(port), DEMO_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  demo.stdout?.on('data', keep);
  demo.stderr?.on('data', keep);
  let exited = false;
  demo.once('exit', () => {
    exited = true;
  });
  const fail = async (why: string): Promise<number> => {
    await stopDemo(demo);
    process.stderr.write(`smoke: FAILED after ${elapsed()}: ${why}\n--- end of npm start's output ---\n`);
    process.stderr.write(`${output.split('\n').slice(-40).join('\n')}\n`);
    return 1;
  };

  const base = `http://127.0.0.1:${port}`;
  const deadline = started + timeoutSeconds * 1000;
  const token = (role: string) => new RegExp(`^\\s+${role}\\s+(\\S+)\\s*$`, 'm').exec(output)?.[1];
  while (!output.includes('Operator UI:') || !token('operator')) {
    if (exited) return fail('npm start exited before the demo was up');
    if (Date.now() > deadline) return fail('the demo did not come up');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const headers = { authorization: `Bearer ${token('operator')}` };
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return response;
  };

  const work = await mkdtemp(join(tmpdir(), 'smoke-start-'));
  let seen = 'no AI ticket yet';
  try {
    while (Date.now() < deadline) {
      if (exited) return fail('npm start exited while waiting for a clip');
      const { tickets } = (await (await get('/api/v1/tickets?source=ai&limit=100')).json()) as {
        tickets: { id: number }[];
      };
      let withSnapshot = 0;
      for (const { id } of tickets) {
        const { evidence } = (await (await get(`/api/v1/tickets/${id}`)).json()) as { evidence: Evidence[] };
        if (evidence.some((e) => e.kind === 'snapshotAnnotated')) withSnapshot += 1;
        const clip = evidence.find((e) => e.kind === 'clip');
        if (!clip) continue;
        const file = await fetch(`${base}${clip.url}`, { headers });
        // 404 until the edge's upload completes.
        if (!file.ok) continue;
        const bytes = Buffer.from(await file.arrayBuffer());
        const path = join(work, `ticket-${id}.mp4`);
        await writeFile(path, bytes);
        const info = await probeVideo(path);
        if (!(info.durationSeconds > 0)) return fail(`ticket ${id}: its clip has no duration`);
        process.stdout.write(
          `smoke: ticket ${id} (${clip.cameraId}) has its clip after ${elapsed()}: ` +
            `${info.durationSeconds.toFixed(1)} s of ${info.codec} ${info.width}x${info.height}, ${bytes.length} bytes\n`,
        );
        await stopDemo(demo);
        return 0;
      }
      seen = `${tickets.length} AI tickets, ${withSnapshot} with a snapshot, none with a clip`;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    return fail(`no ticket got its clip within ${timeoutSeconds} s (${seen})`);
  } catch (error) {
    return fail((error as Error).message);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
