import fs from 'node:fs';
import path from 'node:path';
import { OutboxError } from '../errors.ts';

const LOCK_FILE = 'LOCK';

/** Folders open in this process (a second open would corrupt the journal). */
const openDirs = new Set<string>();

/**
 * One process at a time: a LOCK file with the owner's pid (`free` once released); a dead owner's
 * lock is taken over.
 */
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
  writeInPlace(lock, `${process.pid}\n`);
  openDirs.add(dir);
}

/** Frees the folder: the LOCK file stays, marked free, so that the next open needs no new block. */
export function releaseLock(dir: string): void {
  openDirs.delete(dir);
  const lock = path.join(dir, LOCK_FILE);
  try {
    writeInPlace(lock, RELEASED);
  } catch {
    fs.rmSync(lock, { force: true });
  }
}

/** What a released LOCK file says (no pid: anyone may take it). */
const RELEASED = 'free\n';

/**
 * Overwrites `file` from its first byte rather than replacing it: a full disk (ENOSPC) still takes
 * a few bytes over a block the file already has, so an outbox on a full disk can still be opened.
 */
function writeInPlace(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fd = fs.openSync(file, 'w');
  }
  try {
    const bytes = Buffer.from(text);
    for (let written = 0; written < bytes.length; )
      written += fs.writeSync(fd, bytes, written, bytes.length - written, written);
    fs.ftruncateSync(fd, bytes.length);
  } finally {
    fs.closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
