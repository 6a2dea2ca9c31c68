import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { SchedulerStats } from '../detect/inference-scheduler.ts';
import type { CameraState } from '../ingest/camera-source.ts';

/**
 * What the local API reads from the running edge box. The edge node implements it; the API knows
 * nothing else about the node, so it can be served (and tested) from any object of this shape.
 * Every method is called on request and must be cheap and synchronous: it returns a snapshot.
 */
export interface ApiSource {
  edgeId: string;
  /** When the node started, ms since the epoch. */
  startedAt: number;
  cameras(): CameraStatusView[];
  /** The newest decoded frame of a camera (raw RGB, 3 bytes a pixel), or undefined before the first. */
  latestFrame(cameraId: string): LatestFrame | undefined;
  /** Up to `limit` of the most recent events, newest first. */
  recentEvents(limit: number): EdgeEvent[];
  /** Inference scheduler stats by model alias. */
  models(): Record<string, SchedulerStats>;
  /** Event delivery (MQTT outbox), once there is one; undefined leaves its metrics out. */
  delivery?(): DeliveryStatsView | undefined;
  /** Snapshots, clips and their upload; undefined leaves their metrics out. */
  evidence?(): EvidenceStatsView | undefined;
  /** The data folder's disk; undefined leaves it out of the health and the metrics. */
  storage?(): StorageView | undefined;
}

/** The disk the outbox, evidence and clip buffers are on. */
export interface StorageView {
  /** `disk_full` from a write refused for want of space until a write succeeds again. */
  state: 'ok' | 'disk_full';
  /** Since when it is full (ms since the epoch), null while ok. */
  since: number | null;
  lastError: string | null;
  /** Writes refused for want of space since start. */
  fullWrites: number;
  /** Events held in memory until the outbox can take them. */
  eventsWaiting: number;
  /** Free bytes at the last measurement, and the space kept free for events (null before the first). */
  freeBytes: number | null;
  reserveBytes: number | null;
}

export interface CameraStatusView {
  id: string;
  /** The config's human name ("North gate, looking east"). */
  name?: string;
  state: CameraState;
  /** Frames per second the camera is configured to analyse. */
  fps: number;
  counters: CameraCountersView;
  /** Why the camera's last ffmpeg run ended (credentials masked), or null. */
  lastError?: string | null;
  /** The clip buffer of this camera, when it records. */
  recording?: RecordingView;
}

export interface RecordingView {
  state: string;
  /** Closed segments held and their bytes. */
  segments: number;
  bytes: number;
  /** Seconds of video buffered, from the oldest held instant to the newest. */
  bufferedSeconds: number;
  restarts: number;
  lastError: string | null;
}

export interface CameraCountersView {
  /** Frames ffmpeg delivered, across restarts. */
  framesDecoded: number;
  /** Frames the detector ran on. */
  framesAnalysed: number;
  /** Frames the motion gate let through without inference. */
  framesSkippedByMotion: number;
  /** Frames replaced by a newer one before the pipeline took them. */
  framesDropped: number;
  /** ffmpeg restarts after the first start. */
  reconnects: number;
  /** Arrival time of the newest frame, ms since the epoch, or null before the first. */
  lastFrameTime: number | null;
  /** Milliseconds the latest inference took (0 before the first). */
  lastInferenceMs: number;
  eventsRaised: number;
}

export interface LatestFrame {
  /** RGB, row-major, `width * height * 3` bytes. */
  data: Uint8Array;
  width: number;
  height: number;
  /** When the frame arrived, ms since the epoch. */
  time: number;
}

export interface DeliveryStatsView {
  /** Events stored and not yet acknowledged by the broker. */
  outboxDepth: number;
  published: number;
  acked: number;
  /** Publish-to-ack latency percentiles over recent messages; absent before the first ack. */
  publishLatencyMs?: { p50: number; p99: number };
  connected: boolean;
  /** Updates dropped by the outbox's overflow policy. */
  dropped: number;
}

export interface EvidenceStatsView {
  snapshots: number;
  clips: number;
  clipFailures: number;
  /** Files events went out without (each named in the event's `evidence.missing`). */
  missing?: number;
  /** Absent when evidence is not uploaded. */
  upload?: {
    pending: number;
    pendingBytes: number;
    uploaded: number;
    uploadedBytes: number;
    failures: number;
  };
}

const STATES: Record<CameraState, true> = {
  connecting: true,
  live: true,
  stalled: true,
  backing_off: true,
  stopped: true,
};

/** Every camera state, for the state-set metric (checked against `CameraState` at compile time). */
export const CAMERA_STATES = Object.keys(STATES) as CameraState[];
