import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { describeError } from '../errors.ts';
import type { EvidenceFiles } from '../evidence/evidence-files.ts';
import type { UploadQueue } from '../evidence/upload-queue.ts';
import type { FlightSettings } from './flight-config.ts';
import { FlightService } from './flight-service.ts';
import { FlightWatcher } from './flight-watcher.ts';

/**
 * The drone section of the edge config as the intake reads it (its schema, in edge/config, is the
 * flight settings plus these): written here so that drone does not import the config it is part of.
 */
export type DroneSettings = FlightSettings & {
  inbox: string;
  uploadDir?: string | undefined;
  settleSeconds: number;
  pollSeconds: number;
};

export interface DroneIntakeOptions {
  edgeId: string;
  drone: Readonly<DroneSettings>;
  dataDir: string;
  /** The edge's content-addressed evidence store: the crops are moved into it. */
  files: EvidenceFiles;
  uploads?: UploadQueue;
  /** Into the durable outbox, as camera events go. */
  deliver: (event: EdgeEvent) => Promise<void>;
  logger: Logger;
}

export interface DroneIntake {
  service: FlightService;
  /** Where the local API's flight uploads go. */
  uploadDir: string;
  stop(): Promise<void>;
}

/**
 * The drone path of `edge run`: a FlightService whose crops go into the evidence store (and the
 * upload queue) and whose events go the camera events' way, and a watcher on the inbox. A flight
 * is marked processed only after its events are in the outbox, so a crash before that compares it
 * again on restart (same event ids: the cloud keeps one of each).
 */
export async function startDroneIntake(options: DroneIntakeOptions): Promise<DroneIntake> {
  const { drone, files, uploads, logger } = options;
  const service = await FlightService.create(
    {
      edgeId: options.edgeId,
      model: drone.model,
      areas: drone.areas,
      registration: drone.registration,
      detection: drone.detection,
      tiling: drone.tiling,
      evidenceDir: path.join(options.dataDir, 'drone-crops'),
    },
    {
      keepEvidence: async (file) => {
        const stored = await files.adoptFile(file.path, file.contentType);
        await uploads?.enqueue(stored);
      },
      deliver: options.deliver,
    },
  );
  await mkdir(drone.inbox, { recursive: true });
  const watcher = new FlightWatcher({
    inbox: drone.inbox,
    settleMs: drone.settleSeconds * 1000,
    pollMs: drone.pollSeconds * 1000,
    process: async (dir) => {
      const report = await service.processFlight(dir);
      const refused = report.images.filter((i) => i.status === 'refused');
      logger.info(
        {
          flight: report.flight,
          images: report.images.length,
          refused: refused.length,
          events: report.events.length,
        },
        'flight compared',
      );
      for (const image of refused) logger.warn({ flight: report.flight, image: image.image }, image.reason);
      return report;
    },
    onError: (dir, error) => logger.error({ flight: dir }, describeError(error)),
  });
  watcher.start();
  return {
    service,
    uploadDir: drone.uploadDir ?? path.join(options.dataDir, 'flight-uploads'),
    async stop() {
      await watcher.stop();
      await service.close();
    },
  };
}
