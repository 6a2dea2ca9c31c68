import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { parseSegmentFileName, type RecordedSegment, segmentFileName } from './segment-list.ts';

/** A segment ffmpeg is writing (or was, when it was killed): `run-<runStartMs>-NNNNNN.ts`. */
export const RUN_FILE = /^run-\d+-\d+\.ts$/;

export interface SegmentFolder {
  /** Closed segments found under their final names, in no particular order. */
  segments: RecordedSegment[];
  /** Paths of segments left unclosed by a killed ffmpeg. */
  leftovers: string[];
  /** Files that could not be read, with why. */
  problems: string[];
}

/** Creates `dir` if needed and reads what it holds. Throws when the folder cannot be made or read. */
export async function readSegmentFolder(dir: string): Promise<SegmentFolder> {
  await mkdir(dir, { recursive: true });
  const folder: SegmentFolder = { segments: [], leftovers: [], problems: [] };
  for (const name of await readdir(dir)) {
    const file = join(dir, name);
    if (RUN_FILE.test(name)) {
      folder.leftovers.push(file);
      continue;
    }
    const named = parseSegmentFileName(name);
    if (!named) continue;
    try {
      folder.segments.push({ file, ...named, bytes: (await stat(file)).size });
    } catch (error) {
      folder.problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return folder;
}

/** Segments left unclosed in `dir`; while no ffmpeg writes there, each is one a killed ffmpeg left. */
export async function leftoverSegments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => RUN_FILE.test(name)).map((name) => join(dir, name));
}

/**
 * Keeps what a killed ffmpeg wrote of a segment, under its final name, or deletes it when it holds
 * no playable frame. It began at `startMs` when that is known (the run's last closed segment ended
 * there); otherwise (a file from an earlier process) its modification time dates its end.
 */
export async function salvageSegment(file: string, startMs?: number): Promise<RecordedSegment | undefined> {
  const { mtimeMs, size } = await stat(file);
  const seconds = await probeVideo(file).then(
    (info) => info.durationSeconds,
    () => 0,
  );
  if (!(seconds > 0)) {
    await unlink(file);
    return undefined;
  }
  const fromMs = Math.round(startMs ?? mtimeMs - seconds * 1000);
  const toMs = Math.round(fromMs + seconds * 1000);
  const named = join(dirname(file), segmentFileName(fromMs, toMs));
  await rename(file, named);
  return { file: named, startMs: fromMs, endMs: toMs, bytes: size };
}
