import path from 'node:path';
import { connect } from 'mqtt';
import type { Logger } from 'pino';
import type { CameraHealth, StorageHealthStatus } from '../../foundation/contract/edge-status.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { createApiServer } from '../api/create-api-server.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { type DroneIntake, startDroneIntake } from '../drone/drone-intake.ts';
import { describeError } from '../errors.ts';
import { EvidenceFiles } from '../evidence/evidence-files.ts';
import { EvidenceStage } from '../evidence/evidence-stage.ts';
import { UploadQueue } from '../evidence/upload-queue.ts';
import { fileConfigSha256 } from '../fleet/fleet-sync.ts';
import { manageConfig, startingConfig } from '../fleet/managed-config.ts';
import { LiveRelays } from '../live/live-relays.ts';
import { openLearnedRegions } from '../suppress/open-learned-regions.ts';
import { DEFAULT_SUPPRESSION_POLL_MS, SuppressionSync } from '../suppress/suppression-sync.ts';
import { AssignedModelsRuntime } from './assigned-models-runtime.ts';
import { retryOnDiskFull } from './disk-full-retry.ts';
import { edgeApiSource } from './edge-api-source.ts';
import { type CameraStatus, EdgeNode } from './edge-node.ts';
import { IncidentJournal } from './incident-journal.ts';
import { StorageHealth, type StorageStats } from './storage-health.ts';

export interface StartEdgeOptions {
  logger: Logger;
  /** Overrides `api.port` (0: any free port). */
  apiPort?: number;
  /** Called with every event once it is safely in the outbox. */
  onEvent?: (event: EdgeEvent) => void;
  /** The config file's folder: relative paths in a configuration from the cloud are taken from it. */
  configDir?: string;
}

export interface RunningEdge {
  node: EdgeNode;
  apiUrl: string;
  publisher: MqttPublisher;
  /** Ends open incidents (their end events are delivered if the broker is there), then stops all. */
  stop(): Promise<void>;
}

const EVIDENCE_PRUNE_MS = 60_000;
/** How often the data folder's free space is measured (for the metrics; writes measure it too). */
const DISK_CHECK_MS = 10_000;
/** Time given to deliver the end events of a stopping node before disconnecting. */
const STOP_DRAIN_MS = 3000;

/**
 * A whole edge box from its config: cameras and analysis, drone flights where configured, evidence
 * (snapshots, clip buffers, flight crops, uploads), the durable outbox and its MQTT publisher, the
 * local API and live view. Every event is on disk in the outbox before `onEvent` hears of it, and
 * leaves it only on the broker's PUBACK.
 */
export async function startEdge(
  config: Readonly<EdgeConfig>,
  options: StartEdgeOptions,
): Promise<RunningEdge> {
  const log = options.logger;
  const configDir = options.configDir ?? process.cwd();
  const starting = await startingConfig(config, configDir, log);
  const fileStatus = {
    source: 'file' as const,
    version: null,
    sha256: fileConfigSha256(config),
    appliedAt: new Date().toISOString(),
  };
  let fleet: ReturnType<typeof manageConfig>;
  const store = DiskOutboxStore.open(path.join(config.dataDir, 'outbox'), {
    onWarning: (message) => log.warn({ component: 'outbox' }, message),
  });
  const outbox = new Outbox(store, { maxPending: config.delivery.maxPending });
  const storage = new StorageHealth(config.dataDir, {
    onChange: (state, detail) =>
      state === 'ok'
        ? log.info({ component: 'storage' }, 'the disk takes writes again')
        : log.error({ component: 'storage', detail }, 'disk full: events wait in memory, files are left out'),
  });
  let node: EdgeNode | undefined;
  // Declared before the publisher reads it; the heartbeat first asks once the node runs.
  const assigned = await AssignedModelsRuntime.prepare(config, starting.config, {
    log: log.child({ component: 'models' }),
    onChange: () => publisher.refreshStatus(),
  });
  const publisher = new MqttPublisher({
    edgeId: config.edgeId,
    mqtt: config.mqtt,
    connect,
    outbox,
    heartbeatSeconds: config.delivery.heartbeatSeconds,
    health: () => (node ? node.status().map(cameraHealth) : []),
    storage: () => storageStatus(storage.stats()),
    config: () => fleet?.status() ?? fileStatus,
    models: () => assigned.status(),
    logger: log.child({ component: 'mqtt' }),
  });

  const journal = await IncidentJournal.open(path.join(config.dataDir, 'incidents'), {
    onError: (message, error) => {
      storage.failed(error, 'incident journal');
      log.warn({ component: 'incidents' }, message);
    },
  });
  if (journal.found.length > 0) {
    log.info(
      { component: 'incidents', open: journal.found.map((i) => i.event.incidentId) },
      'incidents the last run left open: continued if raised again in time, else ended',
    );
  }
  const files = await EvidenceFiles.open(path.join(config.dataDir, 'evidence'));
  const upload = config.evidence.upload;
  const uploads = upload
    ? await UploadQueue.open(path.join(config.dataDir, 'uploads'), {
        url: upload.url,
        ...(upload.token ? { token: upload.token } : {}),
        chunkBytes: upload.chunkKilobytes * 1024,
        onError: (message) => log.warn({ component: 'uploads' }, message),
      })
    : undefined;
  const evidence = new EvidenceStage({
    files,
    ...(uploads ? { uploads } : {}),
    snapshots: config.evidence.snapshots,
    clips: config.evidence.clips,
    onError: (cameraId, message) => log.warn({ cameraId, component: 'evidence' }, message),
    writes: storage,
  });

  const pruneEvidence = async () => {
    const pruned = await files.prune(
      config.evidence.maxMegabytes * 1024 * 1024,
      (sha) => uploads?.isPending(sha) ?? false,
    );
    if (pruned.deleted > 0)
      log.info({ component: 'evidence', ...pruned }, 'evidence over its disk limit: oldest files deleted');
  };
  const pruneTimer = setInterval(() => void pruneEvidence().catch(() => {}), EVIDENCE_PRUNE_MS);
  pruneTimer.unref();
  const diskTimer = setInterval(() => void storage.shortfall().catch(() => {}), DISK_CHECK_MS);
  diskTimer.unref();
  await storage.shortfall().catch(() => {});

  // A full disk: the clip buffers give up their oldest video first, then the oldest evidence files.
  const makeRoom = async () => {
    let short = await storage.shortfall();
    for (const recorder of node?.recorders() ?? []) if (short > 0) short -= await recorder.trim(short);
    if (short <= 0) return;
    const { bytes } = await files.prune(Number.POSITIVE_INFINITY);
    await files.prune(bytes - short, (sha) => uploads?.isPending(sha) ?? false);
  };
  const learned = await openLearnedRegions(config.dataDir, (m) => log.warn({ component: 'suppression' }, m));
  const suppressionSync = new SuppressionSync({
    edgeId: config.edgeId,
    uploadUrl: upload?.url,
    token: upload?.token,
    file: learned.file,
    regions: learned.regions,
    intervalMs: DEFAULT_SUPPRESSION_POLL_MS,
    onWarning: (m) => log.warn({ component: 'suppression' }, m),
    onUpdate: (count) =>
      log.info({ component: 'suppression', regions: count }, 'suppression regions updated'),
  });
  suppressionSync.start();
  let stopping = false;
  const append = retryOnDiskFull((event) => publisher.deliver(event), {
    storage,
    makeRoom,
    stopping: () => stopping,
  });
  const deliver = async (event: EdgeEvent) => {
    await append(event);
    options.onEvent?.(event);
  };
  node = await EdgeNode.start(assigned.startConfig(), {
    evidence,
    journal,
    spaceShortfall: () => storage.shortfall(),
    onEvent: deliver,
    onError: (cameraId, error) => log.error({ cameraId }, describeError(error)),
    suppression: learned.regions,
    shadow: (event, frame) => assigned.verdicts(event, frame),
  });
  const running = node;
  assigned.attach(running);
  fleet = manageConfig({
    file: config,
    baseDir: configDir,
    running: starting.running,
    apply: (next) => assigned.applyConfig(next),
    // Each notice also asks for the model assignments: a change in the cloud may come with it.
    subscribe: (topic, onMessage) =>
      publisher.subscribe(topic, (payload) => {
        onMessage(payload);
        void assigned.refresh();
      }),
    onChange: () => publisher.refreshStatus(),
    log: log.child({ component: 'fleet' }),
  });
  const stopCore = async () => {
    stopping = true;
    await fleet?.stop();
    await assigned.stop();
    clearInterval(pruneTimer);
    clearInterval(diskTimer);
    await running.stop();
    await assigned.dispose();
    await suppressionSync.stop();
    await publisher.close(STOP_DRAIN_MS);
    await uploads?.close();
    await outbox.close();
  };
  let drone: DroneIntake | undefined;
  try {
    drone = config.drone
      ? await startDroneIntake({
          edgeId: config.edgeId,
          drone: config.drone,
          dataDir: config.dataDir,
          files,
          ...(uploads ? { uploads } : {}),
          deliver,
          logger: log.child({ component: 'drone' }),
        })
      : undefined;
  } catch (error) {
    // A flight setting that cannot work (a missing baseline, a wrong model) stops the whole box.
    await stopCore();
    throw error;
  }
  const live = config.live.enabled ? new LiveRelays(config, log.child({ component: 'live' })) : undefined;

  const api = createApiServer(
    edgeApiSource(running, { publisher, evidence, storage, ...(uploads ? { uploads } : {}) }),
    {
      host: config.api.host,
      port: options.apiPort ?? config.api.port,
      logger: log.child({ component: 'api' }),
      evidence: files,
      ...(live ? { live } : {}),
      ...(drone ? { flights: { service: drone.service, uploadDir: drone.uploadDir } } : {}),
    },
  );
  const { url } = await api.listen();

  return {
    node: running,
    apiUrl: url,
    publisher,
    async stop() {
      await api.close();
      await live?.close();
      await drone?.stop();
      await stopCore();
    },
  };
}

function cameraHealth(status: CameraStatus): CameraHealth {
  return {
    id: status.id,
    state: status.state,
    lastFrameTime: status.lastFrameTime,
    reconnects: status.reconnects,
    lastError: status.lastError,
    framesDecoded: status.framesDecoded,
    framesAnalysed: status.analysis.framesAnalysed,
    ...(status.recorder ? { recording: status.recorder.state } : {}),
  };
}

/** The heartbeat's view of the disk (the local API shows the whole `StorageStats`). */
function storageStatus(stats: StorageStats): StorageHealthStatus {
  return {
    state: stats.state,
    ...(stats.since !== null ? { since: new Date(stats.since).toISOString() } : {}),
    eventsWaiting: stats.eventsWaiting,
    freeBytes: stats.freeBytes,
  };
}
