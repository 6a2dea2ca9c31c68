import type { EdgeEvent } from '../../foundation/contract/events.ts';
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
  /** Incidents whose best snapshot is being kept. */
  openIncidents: number;
}

interface IncidentEvidence {
  quality: number;
  snapshot?: EvidenceFile;
  annotated?: EvidenceFile;
}

/** A better frame must beat the kept one by this much to replace it: no churn on equal frames. */
const QUALITY_MARGIN = 0.05;
/** While stopping, a clip is cut from what is buffered, waiting at most this long. */
const STOPPING_CLIP_WAIT_MS = 5000;

/**
 * Fills events' `evidence`: each incident keeps the best frame seen so far (confident objects that
 * do not hide each other) as a clean and an annotated JPEG, replaced when a later event's frame is
 * clearly better; the end event also gets the clip from `startedAt − preRoll` to
 * `endedAt + postRoll` (so it waits for the post-roll to be recorded). Files are content-addressed
 * and queued for upload before the event that names them is released.
 */
export class EvidenceStage {
  readonly #options: EvidenceStageOptions;
  readonly #cameras = new Map<string, CameraEvidence>();
  readonly #incidents = new Map<string, IncidentEvidence>();
  readonly #counters = { snapshots: 0, clips: 0, clipFailures: 0 };
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
    if (kept.snapshot) evidence.snapshot = fileRef(kept.snapshot);
    if (kept.annotated) evidence.snapshotAnnotated = fileRef(kept.annotated);
    if (event.phase === 'end') {
      this.#incidents.delete(event.incidentId);
      const clip =
        this.#options.clips.enabled && camera.clips ? await this.#cutClip(event, camera.clips) : undefined;
      if (clip) evidence.clip = clip;
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
      kept.snapshot = await this.#store(pair.clean, 'image/jpeg');
      kept.annotated = await this.#store(pair.annotated, 'image/jpeg');
      kept.quality = quality;
      this.#counters.snapshots++;
    } catch (error) {
      this.#options.onError?.(event.cameraId, `snapshot of ${event.eventId}: ${(error as Error).message}`);
    }
  }

  async #cutClip(event: EdgeEvent, cutter: ClipCutter): Promise<EdgeEvent['evidence']['clip']> {
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
      return { ...fileRef(file), startsAt: clip.start.toISOString(), endsAt: clip.end.toISOString() };
    } catch (error) {
      this.#counters.clipFailures++;
      this.#options.onError?.(event.cameraId, `clip of ${event.incidentId}: ${(error as Error).message}`);
      return undefined;
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
