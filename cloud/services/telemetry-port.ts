import type { DeviceEvent, EdgeEvent, VehicleCandidate } from '../../foundation/contract/events.ts';
import type { TelemetryDeadLetterCode } from '../errors.ts';

/**
 * The ports of the cloud's telemetry side. The cloud does not run IoT rules itself: the
 * composition root (apps/cloud/) starts an implementation with the cloud when config `iot` is set.
 */

/** The vehicle positions the telemetry side keeps. */
export interface VehiclePositions {
  /** The trucks near `camera` around the event's observation time, best first. */
  rank(event: EdgeEvent, camera: { lat: number; lon: number }): VehicleCandidate[];
  /** Time of the newest position held, in ms since the epoch. */
  readonly newestTimeMs: number;
  /** Positions further than this from an observation's time are not considered. */
  readonly maxOffsetSeconds: number;
}

/** What the cloud offers its telemetry side; each write resolves once committed. */
export interface TelemetryIntake {
  /** A device event the rules raised: stored and made an incident like one from the wire. */
  deviceEvent(event: DeviceEvent): Promise<void>;
  /** Telemetry the rules refused: kept in the dead-letter table beside refused events, raw bytes and all. */
  deadLetter(letter: {
    code: TelemetryDeadLetterCode;
    reason: string;
    topic: string;
    payload: Uint8Array;
  }): Promise<void>;
  /** Candidate trucks for camera events come from `positions` from now on, ranked again as they arrive. */
  attachPositions(positions: VehiclePositions): void;
  /** No more retries or re-ranking; the positions are let go. */
  close(): Promise<void>;
}

/** A started telemetry side: stopped before the cloud's own parts. */
export interface TelemetrySide {
  stop(): Promise<void>;
}
