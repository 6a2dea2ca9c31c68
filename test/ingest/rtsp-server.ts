import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Children } from './helpers.ts';
import { VTEST } from './helpers.ts';

/**
 * Against a real RTSP server on loopback: GStreamer's gst-rtsp-server (test/ingest/rtsp-test-server.py),
 * which serves the fixture in real time over RTP/TCP-interleaved or RTP/UDP. On Debian/Ubuntu:
 */
const INSTALL =
  'apt-get install -y --no-install-recommends python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good';
const SERVER = fileURLToPath(new URL('./rtsp-test-server.py', import.meta.url));

/** A python3 that has GStreamer's RTSP server bindings: $RTSP_TEST_PYTHON, the system's, or PATH's. */
function findPython(): string {
  const candidates = [process.env.RTSP_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (c): c is string => !!c && (!c.startsWith('/') || existsSync(c)),
  );
  const failures: string[] = [];
  for (const python of candidates) {
    try {
      execFileSync(python, [SERVER, '--check'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      return python;
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      failures.push(`${python}: ${stderr.split('\n').at(-1) || (error as Error).message}`);
    }
  }
  throw new Error(
    `The RTSP tests need GStreamer's RTSP server for python3, which is not installed (${failures.join('; ')}). Install it with: ${INSTALL}`,
  );
}

let python: string | Error | undefined;

/** Each test fails (never skips) with the install command when the server cannot run. */
function serverPython(): string {
  if (python === undefined) {
    try {
      python = findPython();
    } catch (error) {
      python = error as Error;
    }
  }
  if (python instanceof Error) throw python;
  return python;
}

/** The fixture served in real time at rtsp://127.0.0.1:<port>/cam, once the server says READY. */
export async function startRtspServer(children: Children, port: number): Promise<ChildProcess> {
  const child = children.spawn(serverPython(), [SERVER, String(port), VTEST]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited with ${code}: ${stderr}`));
    });
  });
  return child;
}
