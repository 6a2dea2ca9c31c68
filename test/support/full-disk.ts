import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Real file systems that fill up: a tmpfs of a few MB; a thinly provisioned ext4 (a loop mount of a
 * sparse image on such a tmpfs), where writes succeed and fdatasync then fails with ENOSPC; and a
 * ballast file to fill either with.
 */

/** Why mounting is impossible here (not root, no CAP_SYS_ADMIN), or undefined when it works. */
export function mountRefusal(): string | undefined {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'mount-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], {
      encoding: 'utf8',
    });
    if (mounted.status === 0) {
      spawnSync('umount', [probe]);
      return undefined;
    }
    const why = `${mounted.stderr ?? ''}${mounted.error?.message ?? ''}`.trim();
    // Only a refusal skips; any other failure of mount fails the tests, loudly.
    return /permission denied|not permitted|must be superuser|only root/i.test(why) ? why : undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export interface Tmpfs {
  readonly dir: string;
  /** Free bytes now. */
  free(): number;
  /** Unmounts and removes the folder. */
  dispose(): void;
}

/** Mounts a tmpfs of `megabytes` on a new folder. */
export function mountTmpfs(megabytes: number): Tmpfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) throw new Error(`mount of a tmpfs on ${dir} failed: ${mounted.stderr}`);
  return {
    dir,
    free: () => {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    dispose: () => {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ballast file in `dir`: `fill` writes to it until the disk refuses (ENOSPC); `release` deletes it. */
export function ballast(dir: string): { fill(): void; release(): void } {
  const file = path.join(dir, 'ballast');
  const fd = openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 7);
  return {
    fill() {
      for (let size = chunk.length; size >= 1; ) {
        try {
          writeSync(fd, chunk, 0, size);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          size = Math.floor(size / 2);
        }
      }
    },
    release() {
      closeSync(fd);
      rmSync(file, { force: true });
    },
  };
}

const run = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' });

/**
 * Why a thin ext4 cannot be set up here (no mount, no mkfs.ext4, no loop device), or undefined.
 * Only a missing tool or a refused mount skips; any other failure fails the tests, loudly.
 */
export function thinExt4Refusal(): string | undefined {
  const refusal = mountRefusal();
  if (refusal) return refusal;
  if (run('mkfs.ext4', ['-V']).error) return 'mkfs.ext4 is not installed';
  try {
    mountThinExt4(2, 16).dispose();
    return undefined;
  } catch (error) {
    const why = (error as Error).message;
    return /loop device|permission denied|not permitted/i.test(why) ? why : undefined;
  }
}

/**
 * An ext4 of `sizeMb` (4 KiB blocks, no journal) on a sparse image in a tmpfs of `backingMb`: the
 * ext4 says it has room while its backing may not. Fill `backing.dir` to make fdatasync fail.
 */
export function mountThinExt4(backingMb: number, sizeMb: number): Tmpfs & { backing: Tmpfs } {
  const backing = mountTmpfs(backingMb);
  const image = path.join(backing.dir, 'ext4.img');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'thin-ext4-'));
  try {
    run('truncate', ['-s', `${sizeMb}m`, image]);
    const made = run('mkfs.ext4', ['-q', '-F', '-b', '4096', '-O', '^has_journal', image]);
    if (made.status !== 0) throw new Error(`mkfs.ext4 of ${image} failed: ${made.stderr}`);
    const mounted = run('mount', ['-o', 'loop', image, dir]);
    if (mounted.status !== 0) throw new Error(`loop mount of ${image} failed: ${mounted.stderr}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    backing.dispose();
    throw error;
  }
  return {
    dir,
    backing,
    free: () => statfsSync(dir).bavail * statfsSync(dir).bsize,
    dispose: () => {
      run('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
      backing.dispose();
    },
  };
}
