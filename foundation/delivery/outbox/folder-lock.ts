import fs from 'node:fs';
import path from 'node:path';
import { OutboxError } from '../errors.ts';

const LOCK_FILE = 'LOCK';

/** Folders open in this process (a second open would corrupt the journal). */
const openDirs = new Set<string>();

/** One process at a time: a LOCK file with the owner's pid; a dead owner's lock is taken over. */
export function takeLock(dir: string): void {
  if (openDirs.has(dir))
    throw new OutboxError('OUTBOX_LOCKED', `outbox ${dir} is already open in this process`);
  const lock = path.join(dir, LOCK_FILE);
  try {
    const owner = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new OutboxError('OUTBOX_LOCKED', `outbox ${dir} is open in process ${owner}`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.writeFileSync(lock, `${process.pid}\n`);
  openDirs.add(dir);
}

export function releaseLock(dir: string): void {
  openDirs.delete(dir);
  fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
