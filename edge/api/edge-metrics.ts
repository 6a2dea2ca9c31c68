import type { SchedulerStats } from '../detect/inference-scheduler.ts';
import {
  CAMERA_STATES,
  type CameraStatusView,
  type DeliveryStatsView,
  type EvidenceStatsView,
} from './api-source.ts';
import type { MetricFamily, MetricType, Sample } from './prometheus-text.ts';

export interface MetricsSnapshot {
  edgeId: string;
  /** ms since the epoch */
  startedAt: number;
  now: number;
  /** The window behind `analysedFps`, for its HELP text. */
  fpsWindowSeconds: number;
  cameras: readonly (CameraStatusView & { analysedFps: number })[];
  models: Readonly<Record<string, SchedulerStats>>;
  delivery: DeliveryStatsView | undefined;
  evidence?: EvidenceStatsView | undefined;
}

function family(name: string, type: MetricType, help: string, samples: Sample[]): MetricFamily {
  return { name, type, help, samples };
}

const seconds = (ms: number): number => ms / 1000;

/** Every metric of the edge box, `edge_` prefixed, in Prometheus base units (seconds). */
export function edgeMetrics(snapshot: MetricsSnapshot): MetricFamily[] {
  return [
    ...nodeMetrics(snapshot),
    ...cameraMetrics(snapshot),
    ...recordingMetrics(snapshot.cameras),
    ...modelMetrics(snapshot.models),
    ...(snapshot.delivery === undefined ? [] : deliveryMetrics(snapshot.delivery)),
    ...(snapshot.evidence === undefined ? [] : evidenceMetrics(snapshot.evidence)),
  ];
}

function nodeMetrics({ edgeId, startedAt, now }: MetricsSnapshot): MetricFamily[] {
  return [
    family('edge_info', 'gauge', 'The edge box, by its id (always 1).', [
      { labels: { edge_id: edgeId }, value: 1 },
    ]),
    family('edge_start_time_seconds', 'gauge', 'When the edge node started, seconds since the epoch.', [
      { value: seconds(startedAt) },
    ]),
    family('edge_uptime_seconds', 'gauge', 'Seconds since the edge node started.', [
      { value: Math.max(0, seconds(now - startedAt)) },
    ]),
  ];
}

function cameraMetrics({ cameras, fpsWindowSeconds }: MetricsSnapshot): MetricFamily[] {
  const per = (value: (c: (typeof cameras)[number]) => number): Sample[] =>
    cameras.map((c) => ({ labels: { camera: c.id }, value: value(c) }));
  return [
    family(
      'edge_camera_up',
      'gauge',
      'Whether the camera is live (frames arriving): 1 or 0.',
      per((c) => (c.state === 'live' ? 1 : 0)),
    ),
    family(
      'edge_camera_state',
      'gauge',
      "The camera's state: 1 for the current one, 0 for the others.",
      cameras.flatMap((c) =>
        CAMERA_STATES.map((state) => ({ labels: { camera: c.id, state }, value: c.state === state ? 1 : 0 })),
      ),
    ),
    family(
      'edge_camera_configured_fps',
      'gauge',
      'Frames per second the camera is configured to analyse.',
      per((c) => c.fps),
    ),
    family(
      'edge_camera_analysed_fps',
      'gauge',
      `Frames analysed per second over the last ${fpsWindowSeconds} s.`,
      per((c) => c.analysedFps),
    ),
    family(
      'edge_camera_frames_decoded_total',
      'counter',
      'Frames ffmpeg decoded, across restarts.',
      per((c) => c.counters.framesDecoded),
    ),
    family(
      'edge_camera_frames_analysed_total',
      'counter',
      'Frames the detector ran on.',
      per((c) => c.counters.framesAnalysed),
    ),
    family(
      'edge_camera_frames_skipped_by_motion_total',
      'counter',
      'Frames the motion gate passed on without inference.',
      per((c) => c.counters.framesSkippedByMotion),
    ),
    family(
      'edge_camera_frames_dropped_total',
      'counter',
      'Frames replaced by a newer one before the pipeline took them.',
      per((c) => c.counters.framesDropped),
    ),
    family(
      'edge_camera_reconnects_total',
      'counter',
      'ffmpeg restarts after the first start.',
      per((c) => c.counters.reconnects),
    ),
    family(
      'edge_camera_events_raised_total',
      'counter',
      'Incident events the camera raised.',
      per((c) => c.counters.eventsRaised),
    ),
    family(
      'edge_camera_last_inference_seconds',
      'gauge',
      'Seconds the latest inference took.',
      per((c) => seconds(c.counters.lastInferenceMs)),
    ),
    family(
      'edge_camera_last_frame_timestamp_seconds',
      'gauge',
      'When the newest frame arrived, seconds since the epoch (absent before the first frame).',
      cameras.flatMap((c) =>
        c.counters.lastFrameTime === null
          ? []
          : [{ labels: { camera: c.id }, value: seconds(c.counters.lastFrameTime) }],
      ),
    ),
  ];
}

function recordingMetrics(cameras: MetricsSnapshot['cameras']): MetricFamily[] {
  const recording = cameras.flatMap((c) => (c.recording ? [{ id: c.id, ...c.recording }] : []));
  if (recording.length === 0) return [];
  const per = (value: (r: (typeof recording)[number]) => number): Sample[] =>
    recording.map((r) => ({ labels: { camera: r.id }, value: value(r) }));
  return [
    family(
      'edge_camera_recording_up',
      'gauge',
      "Whether the camera's clip recorder is recording: 1 or 0.",
      per((r) => (r.state === 'recording' ? 1 : 0)),
    ),
    family(
      'edge_camera_recording_buffer_bytes',
      'gauge',
      'Bytes of video in the clip buffer.',
      per((r) => r.bytes),
    ),
    family(
      'edge_camera_recording_buffer_seconds',
      'gauge',
      'Seconds of video in the clip buffer.',
      per((r) => r.bufferedSeconds),
    ),
    family(
      'edge_camera_recording_restarts_total',
      'counter',
      'Clip recorder (ffmpeg) restarts after the first start.',
      per((r) => r.restarts),
    ),
  ];
}

function evidenceMetrics(evidence: EvidenceStatsView): MetricFamily[] {
  const families = [
    family('edge_evidence_snapshots_total', 'counter', 'Snapshot pairs (clean and annotated) written.', [
      { value: evidence.snapshots },
    ]),
    family('edge_evidence_clips_total', 'counter', 'Event clips cut.', [{ value: evidence.clips }]),
    family('edge_evidence_clip_failures_total', 'counter', 'Event clips that could not be cut.', [
      { value: evidence.clipFailures },
    ]),
  ];
  const upload = evidence.upload;
  if (!upload) return families;
  return families.concat([
    family('edge_evidence_upload_pending', 'gauge', 'Evidence files waiting to be uploaded.', [
      { value: upload.pending },
    ]),
    family('edge_evidence_upload_pending_bytes', 'gauge', 'Bytes of evidence waiting to be uploaded.', [
      { value: upload.pendingBytes },
    ]),
    family('edge_evidence_uploaded_total', 'counter', 'Evidence files the cloud verified.', [
      { value: upload.uploaded },
    ]),
    family('edge_evidence_uploaded_bytes_total', 'counter', 'Bytes of evidence the cloud verified.', [
      { value: upload.uploadedBytes },
    ]),
    family('edge_evidence_upload_failures_total', 'counter', 'Failed upload attempts (each is retried).', [
      { value: upload.failures },
    ]),
  ]);
}

function modelMetrics(models: Readonly<Record<string, SchedulerStats>>): MetricFamily[] {
  const entries = Object.entries(models);
  const per = (value: (s: SchedulerStats) => number): Sample[] =>
    entries.map(([model, stats]) => ({ labels: { model }, value: value(stats) }));
  const perSource = (value: (s: SchedulerStats['sources'][number]) => number): Sample[] =>
    entries.flatMap(([model, stats]) =>
      stats.sources.map((s) => ({ labels: { model, source: s.sourceId }, value: value(s) })),
    );
  return [
    family(
      'edge_model_jobs_submitted_total',
      'counter',
      'Frames submitted to the model.',
      per((s) => s.totals.submitted),
    ),
    family(
      'edge_model_jobs_completed_total',
      'counter',
      'Frames the model ran on and returned.',
      per((s) => s.totals.completed),
    ),
    family(
      'edge_model_jobs_superseded_total',
      'counter',
      'Frames replaced in the queue by a newer frame of the same camera before the model ran.',
      per((s) => s.totals.superseded),
    ),
    family(
      'edge_model_jobs_failed_total',
      'counter',
      'Frames whose model run failed.',
      per((s) => s.totals.failed),
    ),
    family(
      'edge_model_batches_total',
      'counter',
      'Model runs (batches) made.',
      per((s) => s.totals.batches),
    ),
    family(
      'edge_model_mean_batch_size',
      'gauge',
      'Frames per model run, on average.',
      per((s) => s.totals.meanBatchSize),
    ),
    family(
      'edge_model_mean_queue_wait_seconds',
      'gauge',
      'Seconds from submit to the start of the run, on average.',
      per((s) => seconds(s.totals.meanWaitMs)),
    ),
    family(
      'edge_model_mean_run_seconds',
      'gauge',
      'Seconds a model run takes, on average.',
      per((s) => seconds(s.totals.meanRunMs)),
    ),
    family(
      'edge_model_source_last_queue_wait_seconds',
      'gauge',
      "Seconds the source's latest frame waited for the model.",
      perSource((s) => seconds(s.lastWaitMs)),
    ),
    family(
      'edge_model_source_last_run_seconds',
      'gauge',
      'Seconds the latest model run with this source in it took.',
      perSource((s) => seconds(s.lastRunMs)),
    ),
    family(
      'edge_model_source_superseded_total',
      'counter',
      "The source's frames replaced in the queue by a newer one.",
      perSource((s) => s.superseded),
    ),
  ];
}

function deliveryMetrics(delivery: DeliveryStatsView): MetricFamily[] {
  const latency = delivery.publishLatencyMs;
  return [
    family('edge_delivery_connected', 'gauge', 'Whether the broker connection is up: 1 or 0.', [
      { value: delivery.connected ? 1 : 0 },
    ]),
    family('edge_delivery_outbox_depth', 'gauge', 'Events stored and not yet acknowledged by the broker.', [
      { value: delivery.outboxDepth },
    ]),
    family('edge_delivery_published_total', 'counter', 'Event messages published.', [
      { value: delivery.published },
    ]),
    family('edge_delivery_acked_total', 'counter', 'Event messages the broker acknowledged.', [
      { value: delivery.acked },
    ]),
    family(
      'edge_delivery_outbox_dropped_total',
      'counter',
      'Update messages dropped by the outbox overflow policy (start and end are never dropped).',
      [{ value: delivery.dropped }],
    ),
    family(
      'edge_delivery_publish_latency_p50_seconds',
      'gauge',
      'Median seconds from publish to acknowledgement over recent messages.',
      latency === undefined ? [] : [{ value: seconds(latency.p50) }],
    ),
    family(
      'edge_delivery_publish_latency_p99_seconds',
      'gauge',
      '99th percentile seconds from publish to acknowledgement over recent messages.',
      latency === undefined ? [] : [{ value: seconds(latency.p99) }],
    ),
  ];
}
