import { rm } from 'node:fs/promises';
import type { EdgeEvent, EvidenceMissing } from '../../foundation/contract/events.ts';
import type { Polygon } from '../../foundation/geometry/image-plane.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import type { ClipCutter } from './clip-cutter.ts';
import type { EvidenceFile, EvidenceFiles } from './evidence-files.ts';
import { renderSnapshots, snapshotQuality } from './snapshot.ts';
import type { UploadQueue } from './upload-queue.ts';

export interface EvidenceStageOptions {
  files: EvidenceFiles;
  /** Absent: evidence stays on this box (served by the local API). */
  uploads?: UploadQueue;
  snapshots: { enabled: boolean; quality: number };
  clips: { enabled: boolean; preRollSeconds: number; postRollSeconds: number; maxSeconds: number };
  onError?: (cameraId: string, message: string) => void;
  /** Told of every file written and every write that failed (a full disk is a health state). */
  writes?: WriteMonitor;
}

export interface WriteMonitor {
  wrote(): void;
  /** True when the write failed for want of space. */
  failed(error: unknown, what: string): boolean;
}

export interface CameraEvidence {
  cameraId: string;
  /** Snapshot size: the camera's own aspect, at about the analysed resolution. */
  snapshotSize: { width: number; height: number };
  /** Zone outlines by name, normalised, drawn on annotated snapshots. */
  zones: ReadonlyMap<string, Polygon>;
  /** Absent: this camera has no clips (recording off, or a source that cannot be recorded). */
  clips?: ClipCutter;
}

export interface EvidenceStats {
  snapshots: number;
  clips: number;
  clipFailures: number;
  /** Files that events went out without (`evidence.missing` entries). */
  missing: number;
  /** Incidents whose best snapshot is being kept. */
  openIncidents: number;
}

interface IncidentEvidence {
  quality: number;
  snapshot?: EvidenceFile;
  annotated?: EvidenceFile;
  /** Why the latest snapshot could not be written, while the incident has none. */
  snapshotFailure?: string;
}

/** A better frame must beat the kept one by this much to replace it: no churn on equal frames. */
const QUALITY_MARGIN = 0.05;
/** While stopping, a clip is cut from what is buffered, waiting at most this long. */
const STOPPING_CLIP_WAIT_MS = 5000;
/** `evidence.missing` reasons are cut to this many characters (the contract's limit). */
const MAX_REASON = 200;

/**
 * Fills events' `evidence`: each incident keeps the best frame seen so far (confident objects that
 * do not hide each other) as a clean and an annotated JPEG, replaced when a later event's frame is
 * clearly better; the end event also gets the clip from `startedAt − preRoll` to
 * `endedAt + postRoll` (so it waits for the post-roll to be recorded). Files are content-addressed
 * and queued for upload before the event that names them is released.
 *
 * A file that cannot be written (a full disk, a clip the buffer no longer has) never holds the
 * event back: it goes out without the file, which `evidence.missing` names with the reason.
 */
export class EvidenceStage {
  readonly #options: EvidenceStageOptions;
  readonly #cameras = new Map<string, CameraEvidence>();
  readonly #incidents = new Map<string, IncidentEvidence>();
  readonly #counters = { snapshots: 0, clips: 0, clipFailures: 0, missing: 0 };
  #stopping = false;

  constructor(options: EvidenceStageOptions) {
    this.#options = options;
  }

  setCamera(camera: CameraEvidence): void {
    this.#cameras.set(camera.cameraId, camera);
  }

  /** From now on clips are cut from what is already buffered, without waiting for post-roll. */
  stopping(): void {
    this.#stopping = true;
  }

  stats(): EvidenceStats {
    return { ...this.#counters, openIncidents: this.#incidents.size };
  }

  /** The event with its evidence. `frame` is the analysed frame it was raised on, if any. */
  async attach(event: EdgeEvent, frame: RawImage | undefined): Promise<EdgeEvent> {
    const camera = this.#cameras.get(event.cameraId);
    if (!camera) return event;
    let kept = this.#incidents.get(event.incidentId);
    if (!kept) {
      kept = { quality: Number.NEGATIVE_INFINITY };
      this.#incidents.set(event.incidentId, kept);
    }
    if (this.#options.snapshots.enabled && frame) await this.#considerSnapshot(event, frame, camera, kept);

    const evidence: EdgeEvent['evidence'] = { ...event.evidence };
    const missing: EvidenceMissing[] = [];
    if (kept.snapshot) evidence.snapshot = fileRef(kept.snapshot);
    if (kept.annotated) evidence.snapshotAnnotated = fileRef(kept.annotated);
    if (!evidence.snapshot && kept.snapshotFailure) {
      const reason = kept.snapshotFailure;
      missing.push({ file: 'snapshot', reason }, { file: 'snapshotAnnotated', reason });
    }
    if (event.phase === 'end') {
      this.#incidents.delete(event.incidentId);
      if (this.#options.clips.enabled && camera.clips) {
        const clip = await this.#cutClip(event, camera.clips);
        if ('failure' in clip) missing.push({ file: 'clip', reason: clip.failure });
        else evidence.clip = clip;
      }
    }
    if (missing.length > 0) {
      this.#counters.missing += missing.length;
      evidence.missing = [...(evidence.missing ?? []), ...missing].slice(0, 4);
    }
    return { ...event, evidence };
  }

  async #considerSnapshot(event: EdgeEvent, frame: RawImage, camera: CameraEvidence, kept: IncidentEvidence) {
    const quality = snapshotQuality(event.objects);
    if (kept.snapshot && quality <= kept.quality + QUALITY_MARGIN) return;
    try {
      const zone = event.zone === undefined ? undefined : camera.zones.get(event.zone);
      const pair = await renderSnapshots(frame, event, {
        ...camera.snapshotSize,
        quality: this.#options.snapshots.quality,
        ...(zone ? { zone } : {}),
      });
      // Both or neither: a clean image is never paired with an older annotated one.
      const clean = await this.#store(pair.clean, 'image/jpeg');
      kept.annotated = await this.#store(pair.annotated, 'image/jpeg');
      kept.snapshot = clean;
      kept.quality = quality;
      kept.snapshotFailure = undefined;
      this.#counters.snapshots++;
      this.#options.writes?.wrote();
    } catch (error) {
      kept.snapshotFailure = this.#failure(error, `snapshot of ${event.eventId}`);
      this.#options.onError?.(event.cameraId, `snapshot of ${event.eventId}: ${(error as Error).message}`);
    }
  }

  /** The reason an event gives for a missing file, and the write monitor told. */
  #failure(error: unknown, what: string): string {
    const full = this.#options.writes?.failed(error, what) ?? false;
    const message = error instanceof Error ? error.message : String(error);
    return `${full ? 'disk full: ' : ''}${message}`.slice(0, MAX_REASON);
  }

  async #cutClip(
    event: EdgeEvent,
    cutter: ClipCutter,
  ): Promise<NonNullable<EdgeEvent['evidence']['clip']> | { failure: string }> {
    const { preRollSeconds, postRollSeconds, maxSeconds } = this.#options.clips;
    const fromMs = Date.parse(event.startedAt) - preRollSeconds * 1000;
    let toMs = Math.min(
      Date.parse(event.endedAt ?? event.observedAt) + postRollSeconds * 1000,
      fromMs + maxSeconds * 1000,
    );
    if (this.#stopping) toMs = Math.min(toMs, Date.now());
    const outFile = this.#options.files.temporaryPath('.mp4');
    try {
      const clip = await cutter.cut({
        from: new Date(fromMs),
        to: new Date(toMs),
        outFile,
        // A camera that failed during post-roll, or a stop, still leaves a clip of what there is.
        partial: true,
        ...(this.#stopping ? { timeoutMs: STOPPING_CLIP_WAIT_MS } : {}),
      });
      const file = await this.#options.files.adoptFile(clip.file, 'video/mp4');
      await this.#options.uploads?.enqueue(file);
      this.#counters.clips++;
      this.#options.writes?.wrote();
      return { ...fileRef(file), startsAt: clip.start.toISOString(), endsAt: clip.end.toISOString() };
    } catch (error) {
      this.#counters.clipFailures++;
      this.#options.onError?.(event.cameraId, `clip of ${event.incidentId}: ${(error as Error).message}`);
      await rm(outFile, { force: true }).catch(() => {});
      return { failure: this.#failure(error, `clip of ${event.incidentId}`) };
    }
  }

  async #store(bytes: Buffer, contentType: 'image/jpeg'): Promise<EvidenceFile> {
    const file = await this.#options.files.putBytes(bytes, contentType);
    await this.#options.uploads?.enqueue(file);
    return file;
  }
}

function fileRef(file: EvidenceFile) {
  return { sha256: file.sha256, size: file.size, contentType: file.contentType };
}
