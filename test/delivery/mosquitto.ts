import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EdgeEvent, EventPhase } from '../../foundation/contract/events.ts';

/** A throwaway mosquitto on a free port, and sample events: for the delivery tests and the outbox bench. */

export interface TestBroker {
  /** The first listener's. */
  readonly port: number;
  readonly url: string;
  /** Every listener's, in the config's order (one unless `configFile` has more). */
  readonly urls: readonly string[];
  /** Starts it (again, on the same port and persistence file). */
  start(): Promise<void>;
  /** SIGTERM, as a service manager would: it saves its persistence file and exits. */
  stop(): Promise<void>;
  /** Rewrites the ACL file and has the running broker reload it (SIGHUP). */
  setAcl(acl: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Lines added to its mosquitto.conf. */
  config?: readonly string[];
  /** Users and passwords; when given, anonymous clients are refused. */
  users?: Readonly<Record<string, string>>;
  /** The ACL file's text (`topic readwrite #` lines apply to anonymous clients); see `setAcl`. */
  acl?: string;
  /**
   * A shipped mosquitto.conf to run instead of the generated one (`users` and `acl` then do not
   * apply): each `listener` gets a free port on 127.0.0.1 (`urls`, in the file's order),
   * `persistence_location` this broker's own folder, each `acl_file` a copy of the file of that
   * name beside `configFile`, each `password_file` one made from `passwords`, and the log goes to
   * stderr. `config` lines are appended.
   */
  configFile?: string;
  /** For `configFile`: each password file's users and passwords, keyed by the file's name. */
  passwords?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * A mosquitto of our own on a free port of 127.0.0.1 (never the machine's shared one), with
 * persistence so that subscribers' sessions survive a restart.
 */
export async function startMosquitto(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mosquitto-test-'));
  // Started as root, mosquitto drops to its own user: it must be able to write its persistence file.
  fs.chmodSync(dir, 0o777);
  const confFile = path.join(dir, 'mosquitto.conf');
  const aclFile = path.join(dir, 'acl');
  let ports: number[];
  if (options.configFile !== undefined) {
    const adapted = await adaptShippedConfig(options.configFile, dir, options.passwords ?? {});
    ports = adapted.ports;
    fs.writeFileSync(confFile, [...adapted.lines, ...(options.config ?? []), ''].join('\n'));
  } else {
    ports = [await freePort()];
    writeGeneratedConfig(options, dir, ports[0] as number, confFile, aclFile);
  }
  const port = ports[0] as number;
  const binary = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  let proc: ChildProcess | undefined;
  const broker: TestBroker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    urls: ports.map((p) => `mqtt://127.0.0.1:${p}`),
    async start() {
      if (proc) return;
      let stderr = '';
      const child = spawn(binary, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      proc = child;
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))),
      );
      await Promise.race([Promise.all(ports.map((p) => waitForPort(p, 10_000))), exited]);
    },
    async stop() {
      const child = proc;
      proc = undefined;
      if (!child || child.exitCode !== null) return;
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
    async setAcl(acl: string) {
      fs.writeFileSync(aclFile, acl);
      proc?.kill('SIGHUP');
      await sleep(200);
    },
    async dispose() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

function writeGeneratedConfig(
  options: TestBrokerOptions,
  dir: string,
  port: number,
  confFile: string,
  aclFile: string,
): void {
  const passwordFile = path.join(dir, 'passwords');
  if (options.acl !== undefined) fs.writeFileSync(aclFile, options.acl);
  writePasswords(passwordFile, options.users ?? {});
  fs.writeFileSync(
    confFile,
    [
      `listener ${port} 127.0.0.1`,
      ...(options.users
        ? ['allow_anonymous false', `password_file ${passwordFile}`]
        : ['allow_anonymous true']),
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.acl !== undefined ? [`acl_file ${aclFile}`] : []),
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
}

/** The shipped file's lines with this broker's ports, folder, ACL copies and password files. */
async function adaptShippedConfig(
  configFile: string,
  dir: string,
  passwords: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<{ lines: string[]; ports: number[] }> {
  const ports: number[] = [];
  const lines: string[] = [];
  for (const line of fs.readFileSync(configFile, 'utf8').split('\n')) {
    const [key, value = ''] = line.trim().split(/\s+/, 2);
    if (key === 'listener') {
      const port = await freePort();
      ports.push(port);
      lines.push(`listener ${port} 127.0.0.1`);
    } else if (key === 'persistence_location') lines.push(`persistence_location ${dir}/`);
    else if (key === 'log_dest' || key === 'pid_file' || key === 'user') continue;
    else if (key === 'acl_file') {
      const copy = path.join(dir, path.basename(value));
      fs.copyFileSync(path.join(path.dirname(configFile), path.basename(value)), copy);
      lines.push(`acl_file ${copy}`);
    } else if (key === 'password_file') {
      const file = path.join(dir, path.basename(value));
      writePasswords(file, passwords[path.basename(value)] ?? {});
      lines.push(`password_file ${file}`);
    } else lines.push(line);
  }
  lines.push('log_dest stderr', 'log_type error', 'log_type warning');
  return { lines, ports };
}

function writePasswords(file: string, users: Readonly<Record<string, string>>): void {
  for (const [user, password] of Object.entries(users)) {
    const create = fs.existsSync(file) ? [] : ['-c'];
    execFileSync('mosquitto_passwd', [...create, '-b', file, user, password]);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A realistic event (three objects, about 1 KB of JSON): number `n` of run `run`. Ten events make
 * an incident (start, 8 updates, end), incidents alternate between two cameras.
 */
export function sampleEvent(edgeId: string, run: string, n: number): EdgeEvent {
  const incident = Math.floor(n / 10);
  const sequence = n % 10;
  const phase: EventPhase = sequence === 0 ? 'start' : sequence === 9 ? 'end' : 'update';
  const cameraId = incident % 2 === 0 ? 'cam-a' : 'cam-b';
  const startedAt = new Date(Date.UTC(2026, 0, 1) + incident * 60_000);
  const incidentId = `${edgeId}:${cameraId}:loitering_pavement:${run}:${incident}`;
  return {
    schemaVersion: 1,
    eventId: `${incidentId}:${sequence}`,
    incidentId,
    sequence,
    type: 'loitering',
    phase,
    edgeId,
    cameraId,
    scenario: 'loitering_pavement',
    zone: 'pavement',
    startedAt: startedAt.toISOString(),
    observedAt: new Date(startedAt.getTime() + sequence * 1000).toISOString(),
    ...(phase === 'end' ? { endedAt: new Date(startedAt.getTime() + 9000).toISOString() } : {}),
    confidence: 0.82,
    objectCount: 3,
    objects: [0, 1, 2].map((k) => ({
      trackId: incident * 3 + k,
      label: 'person',
      score: 0.7 + k * 0.05,
      box: [0.1 + k * 0.1, 0.4, 0.15 + k * 0.1, 0.7] as [number, number, number, number],
      dwellSeconds: 300 + sequence,
      stationarySeconds: 120 + sequence,
    })),
    model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 768, height: 576 },
    evidence: {},
  };
}
