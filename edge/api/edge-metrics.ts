import type { SchedulerStats } from '../detect/inference-scheduler.ts';
import {
  CAMERA_STATES,
  type CameraStatusView,
  type DeliveryStatsView,
  type EvidenceStatsView,
  type RecordingView,
  type StorageView,
} from './api-source.ts';
import type { MetricFamily, Sample } from './prometheus-text.ts';

export interface MetricsSnapshot {
  edgeId: string;
  /** ms since the epoch */
  startedAt: number;
  now: number;
  /** The window behind `analysedFps`, for its HELP text. */
  fpsWindowSeconds: number;
  cameras: readonly Camera[];
  models: Readonly<Record<string, SchedulerStats>>;
  delivery: DeliveryStatsView | undefined;
  evidence?: EvidenceStatsView | undefined;
  storage?: StorageView | undefined;
}

type Camera = CameraStatusView & { analysedFps: number };
type Upload = NonNullable<EvidenceStatsView['upload']>;

/**
 * Metrics read from each item of a table, by name (after the table's prefix): the HELP text and
 * the value, undefined for no sample. A name ending `_total` is a counter, any other a gauge.
 */
type Table<T> = Readonly<Record<string, readonly [help: string, value: (item: T) => number | undefined]>>;

const seconds = (ms: number): number => ms / 1000;
const flag = (on: boolean): number => (on ? 1 : 0);

/** One family per metric of the table, with a sample of each item, labelled by `labels` where given. */
function tabulate<T>(
  prefix: string,
  items: readonly T[],
  labels: ((item: T) => Record<string, string>) | undefined,
  table: Table<T>,
): MetricFamily[] {
  return Object.entries(table).map(([suffix, [help, value]]) => ({
    name: `${prefix}${suffix}`,
    type: suffix.endsWith('_total') ? 'counter' : 'gauge',
    help,
    samples: items.flatMap((item): Sample[] => {
      const sample = value(item);
      if (sample === undefined) return [];
      return [labels ? { labels: labels(item), value: sample } : { value: sample }];
    }),
  }));
}

/** Every metric of the edge box, `edge_` prefixed, in Prometheus base units (seconds). */
export function edgeMetrics(snapshot: MetricsSnapshot): MetricFamily[] {
  const { edgeId, cameras, models, delivery, evidence, storage } = snapshot;
  const byCamera = (c: { id: string }) => ({ camera: c.id });
  const recording = cameras.flatMap((c) => (c.recording ? [{ id: c.id, ...c.recording }] : []));
  const modelStats = Object.entries(models).map(([model, stats]) => ({ model, ...stats }));
  const sources = modelStats.flatMap(({ model, sources }) => sources.map((s) => ({ model, ...s })));
  return [
    {
      name: 'edge_info',
      type: 'gauge',
      help: 'The edge box, by its id (always 1).',
      samples: [{ labels: { edge_id: edgeId }, value: 1 }],
    },
    ...tabulate('edge_', [snapshot], undefined, NODE),
    ...tabulate('edge_camera_', cameras, byCamera, CAMERA_UP),
    {
      name: 'edge_camera_state',
      type: 'gauge',
      help: "The camera's state: 1 for the current one, 0 for the others.",
      samples: cameras.flatMap((c) =>
        CAMERA_STATES.map((state) => ({ labels: { camera: c.id, state }, value: flag(c.state === state) })),
      ),
    },
    ...tabulate('edge_camera_', cameras, byCamera, cameraTable(snapshot.fpsWindowSeconds)),
    ...(recording.length === 0 ? [] : tabulate('edge_camera_recording_', recording, byCamera, RECORDING)),
    ...tabulate('edge_model_', modelStats, ({ model }) => ({ model }), MODEL),
    ...tabulate('edge_model_source_', sources, (s) => ({ model: s.model, source: s.sourceId }), SOURCE),
    ...(delivery === undefined ? [] : tabulate('edge_delivery_', [delivery], undefined, DELIVERY)),
    ...(evidence === undefined ? [] : tabulate('edge_evidence_', [evidence], undefined, EVIDENCE)),
    ...(evidence?.upload === undefined
      ? []
      : tabulate('edge_evidence_', [evidence.upload], undefined, UPLOAD)),
    ...(storage === undefined ? [] : tabulate('edge_storage_', [storage], undefined, STORAGE)),
  ];
}

const NODE: Table<MetricsSnapshot> = {
  start_time_seconds: ['When the edge node started, seconds since the epoch.', (n) => seconds(n.startedAt)],
  uptime_seconds: ['Seconds since the edge node started.', (n) => Math.max(0, seconds(n.now - n.startedAt))],
};

const CAMERA_UP: Table<Camera> = {
  up: ['Whether the camera is live (frames arriving): 1 or 0.', (c) => flag(c.state === 'live')],
};

const cameraTable = (fpsWindowSeconds: number): Table<Camera> => ({
  configured_fps: ['Frames per second the camera is configured to analyse.', (c) => c.fps],
  analysed_fps: [`Frames analysed per second over the last ${fpsWindowSeconds} s.`, (c) => c.analysedFps],
  frames_decoded_total: ['Frames ffmpeg decoded, across restarts.', (c) => c.counters.framesDecoded],
  frames_analysed_total: ['Frames the detector ran on.', (c) => c.counters.framesAnalysed],
  frames_skipped_by_motion_total: [
    'Frames the motion gate passed on without inference.',
    (c) => c.counters.framesSkippedByMotion,
  ],
  frames_dropped_total: [
    'Frames replaced by a newer one before the pipeline took them.',
    (c) => c.counters.framesDropped,
  ],
  reconnects_total: ['ffmpeg restarts after the first start.', (c) => c.counters.reconnects],
  events_raised_total: ['Incident events the camera raised.', (c) => c.counters.eventsRaised],
  last_inference_seconds: ['Seconds the latest inference took.', (c) => seconds(c.counters.lastInferenceMs)],
  last_frame_timestamp_seconds: [
    'When the newest frame arrived, seconds since the epoch (absent before the first frame).',
    (c) => (c.counters.lastFrameTime === null ? undefined : seconds(c.counters.lastFrameTime)),
  ],
});

const RECORDING: Table<RecordingView> = {
  up: ["Whether the camera's clip recorder is recording: 1 or 0.", (r) => flag(r.state === 'recording')],
  buffer_bytes: ['Bytes of video in the clip buffer.', (r) => r.bytes],
  buffer_seconds: ['Seconds of video in the clip buffer.', (r) => r.bufferedSeconds],
  restarts_total: ['Clip recorder (ffmpeg) restarts after the first start.', (r) => r.restarts],
};

const MODEL: Table<SchedulerStats> = {
  jobs_submitted_total: ['Frames submitted to the model.', (s) => s.totals.submitted],
  jobs_completed_total: ['Frames the model ran on and returned.', (s) => s.totals.completed],
  jobs_superseded_total: [
    'Frames replaced in the queue by a newer frame of the same camera before the model ran.',
    (s) => s.totals.superseded,
  ],
  jobs_failed_total: ['Frames whose model run failed.', (s) => s.totals.failed],
  batches_total: ['Model runs (batches) made.', (s) => s.totals.batches],
  mean_batch_size: ['Frames per model run, on average.', (s) => s.totals.meanBatchSize],
  mean_queue_wait_seconds: [
    'Seconds from submit to the start of the run, on average.',
    (s) => seconds(s.totals.meanWaitMs),
  ],
  mean_run_seconds: ['Seconds a model run takes, on average.', (s) => seconds(s.totals.meanRunMs)],
};

const SOURCE: Table<SchedulerStats['sources'][number]> = {
  last_queue_wait_seconds: [
    "Seconds the source's latest frame waited for the model.",
    (s) => seconds(s.lastWaitMs),
  ],
  last_run_seconds: [
    'Seconds the latest model run with this source in it took.',
    (s) => seconds(s.lastRunMs),
  ],
  superseded_total: ["The source's frames replaced in the queue by a newer one.", (s) => s.superseded],
};

const DELIVERY: Table<DeliveryStatsView> = {
  connected: ['Whether the broker connection is up: 1 or 0.', (d) => flag(d.connected)],
  outbox_depth: ['Events stored and not yet acknowledged by the broker.', (d) => d.outboxDepth],
  published_total: ['Event messages published.', (d) => d.published],
  acked_total: ['Event messages the broker acknowledged.', (d) => d.acked],
  outbox_dropped_total: [
    'Update messages dropped by the outbox overflow policy (start and end are never dropped).',
    (d) => d.dropped,
  ],
  publish_latency_p50_seconds: [
    'Median seconds from publish to acknowledgement over recent messages.',
    (d) => d.publishLatencyMs && seconds(d.publishLatencyMs.p50),
  ],
  publish_latency_p99_seconds: [
    '99th percentile seconds from publish to acknowledgement over recent messages.',
    (d) => d.publishLatencyMs && seconds(d.publishLatencyMs.p99),
  ],
};

const EVIDENCE: Table<EvidenceStatsView> = {
  snapshots_total: ['Snapshot pairs (clean and annotated) written.', (e) => e.snapshots],
  clips_total: ['Event clips cut.', (e) => e.clips],
  clip_failures_total: ['Event clips that could not be cut.', (e) => e.clipFailures],
  missing_total: [
    'Evidence files events went out without (named in their evidence.missing).',
    (e) => e.missing,
  ],
};

const STORAGE: Table<StorageView> = {
  disk_full: [
    'Whether the data disk is full: 1 from a write refused for want of space until a write succeeds.',
    (s) => flag(s.state === 'disk_full'),
  ],
  full_writes_total: [
    'Writes refused for want of space (snapshots, clips, outbox, journal).',
    (s) => s.fullWrites,
  ],
  events_waiting: ['Events held in memory until the outbox can store them.', (s) => s.eventsWaiting],
  free_bytes: ["Free bytes on the data folder's file system.", (s) => s.freeBytes ?? undefined],
  reserve_bytes: [
    'Bytes kept free for events: below it the clip buffers delete their oldest video.',
    (s) => s.reserveBytes ?? undefined,
  ],
};

const UPLOAD: Table<Upload> = {
  upload_pending: ['Evidence files waiting to be uploaded.', (u) => u.pending],
  upload_pending_bytes: ['Bytes of evidence waiting to be uploaded.', (u) => u.pendingBytes],
  uploaded_total: ['Evidence files the cloud verified.', (u) => u.uploaded],
  uploaded_bytes_total: ['Bytes of evidence the cloud verified.', (u) => u.uploadedBytes],
  upload_failures_total: ['Failed upload attempts (each is retried).', (u) => u.failures],
};
