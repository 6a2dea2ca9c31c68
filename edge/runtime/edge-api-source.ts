import type { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import type {
  ApiSource,
  CameraStatusView,
  DeliveryStatsView,
  EvidenceStatsView,
  StorageView,
} from '../api/api-source.ts';
import type { EvidenceStage } from '../evidence/evidence-stage.ts';
import type { UploadQueue } from '../evidence/upload-queue.ts';
import type { EdgeNode } from './edge-node.ts';
import type { StorageHealth } from './storage-health.ts';

/** What the API reports beside the node: event delivery, evidence and its upload, the disk. */
export interface EdgeApiExtras {
  publisher?: MqttPublisher;
  evidence?: EvidenceStage;
  uploads?: UploadQueue;
  storage?: StorageHealth;
}

/** The running node as the local API sees it: snapshots of cameras, frames, events and models. */
export function edgeApiSource(node: EdgeNode, extras: EdgeApiExtras = {}): ApiSource {
  const { publisher, evidence, storage } = extras;
  return {
    edgeId: node.config.edgeId,
    startedAt: node.startedAt,
    cameras: () =>
      node.status().map((status): CameraStatusView => {
        // The node's config, not one taken at start: a configuration from the cloud changes it.
        const camera = node.config.cameras.find((c) => c.id === status.id);
        return {
          id: status.id,
          ...(camera?.name ? { name: camera.name } : {}),
          state: status.state,
          fps: camera?.fps ?? 0,
          counters: {
            framesDecoded: status.framesDecoded,
            framesAnalysed: status.analysis.framesAnalysed,
            framesSkippedByMotion: status.analysis.framesSkippedByMotion,
            framesDropped: status.framesDropped,
            reconnects: status.reconnects,
            lastFrameTime: status.lastFrameTime,
            lastInferenceMs: status.analysis.lastInferenceMs,
            eventsRaised: status.analysis.eventsRaised,
          },
          lastError: status.lastError,
          ...(status.recorder
            ? {
                recording: {
                  state: status.recorder.state,
                  segments: status.recorder.segments,
                  bytes: status.recorder.bytes,
                  bufferedSeconds:
                    status.recorder.oldestStartMs === null || status.recorder.lastSegmentEndMs === null
                      ? 0
                      : (status.recorder.lastSegmentEndMs - status.recorder.oldestStartMs) / 1000,
                  restarts: status.recorder.restarts,
                  lastError: status.recorder.lastError,
                },
              }
            : {}),
        };
      }),
    latestFrame: (cameraId) => {
      const frame = node.latestFrame(cameraId);
      return frame && { data: frame.data, width: frame.width, height: frame.height, time: frame.wallTime };
    },
    recentEvents: (limit) => node.recentEvents(limit),
    models: () => node.modelStats(),
    ...(publisher ? { delivery: () => deliveryView(publisher) } : {}),
    ...(evidence ? { evidence: () => evidenceView(evidence, extras.uploads) } : {}),
    ...(storage ? { storage: () => storageView(storage) } : {}),
  };
}

function storageView(storage: StorageHealth): StorageView {
  const { state, since, lastError, fullWrites, eventsWaiting, freeBytes, reserveBytes } = storage.stats();
  return { state, since, lastError, fullWrites, eventsWaiting, freeBytes, reserveBytes };
}

function deliveryView(publisher: MqttPublisher): DeliveryStatsView {
  const stats = publisher.stats();
  return {
    outboxDepth: stats.outbox.depth,
    published: stats.published,
    acked: stats.acked,
    connected: stats.connected,
    dropped: stats.outbox.dropped,
    ...(stats.latencyMs.samples > 0
      ? { publishLatencyMs: { p50: stats.latencyMs.p50, p99: stats.latencyMs.p99 } }
      : {}),
  };
}

function evidenceView(evidence: EvidenceStage, uploads: UploadQueue | undefined): EvidenceStatsView {
  const { snapshots, clips, clipFailures, missing } = evidence.stats();
  if (!uploads) return { snapshots, clips, clipFailures, missing };
  const { pending, pendingBytes, uploaded, uploadedBytes, failures } = uploads.stats();
  return {
    snapshots,
    clips,
    clipFailures,
    missing,
    upload: { pending, pendingBytes, uploaded, uploadedBytes, failures },
  };
}
