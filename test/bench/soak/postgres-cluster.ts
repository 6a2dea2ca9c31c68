import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './soak-process.ts';

const run = promisify(execFile);

/** A PostgreSQL cluster of the soak's own, so that it can take the database away without touching the shared one. */
export interface ThrowawayPostgres {
  readonly url: string;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: every connection is cut, as when the database host goes away. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin); PG_BIN overrides. */
function binFolder(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0]) throw new Error(`no PostgreSQL server under ${root}; set PG_BIN to its bin folder`);
  return path.join(root, majors[0], 'bin');
}

/**
 * initdb + pg_ctl into a folder under `workDir` on a free port of 127.0.0.1, trust auth. PostgreSQL
 * refuses to run as root: as root, the folder is given to the `postgres` user and the tools run as it.
 */
export async function startThrowawayPostgres(workDir: string): Promise<ThrowawayPostgres> {
  const bin = binFolder();
  const dir = path.join(workDir, 'postgres');
  const data = path.join(dir, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args])
      : run(path.join(bin, name), args);
  const port = await freePort();
  await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const logFile = path.join(dir, 'postgres.log');
  let running = false;
  const cluster: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await tool('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      running = false;
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    async dispose() {
      if (running || fs.existsSync(path.join(data, 'postmaster.pid'))) {
        await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      }
      running = false;
    },
  };
  await cluster.start();
  return cluster;
}
