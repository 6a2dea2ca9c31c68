import type { DeadLetter, DeadLetterSink } from '../../iot/consumer/telemetry-intake.ts';
import type { Database } from '../db/database.ts';
import type { TelemetryDeadLetterCode } from '../ingest/classify-message.ts';
import { ingestRepository } from '../ingest/ingest-repository.ts';

/**
 * Telemetry the rule engine refused, kept in the cloud's dead-letter table beside refused events:
 * its code, reason, topic and raw bytes. The write is awaited before the message is acknowledged.
 */
export function telemetryDeadLetters(
  db: Database,
  clock: () => Date,
  persist: (write: () => Promise<void>) => Promise<void> = (write) => write(),
): DeadLetterSink {
  return {
    deadLetter: (entry: DeadLetter) =>
      persist(() =>
        ingestRepository.insertDeadLetter(
          db,
          {
            code: entry.code as TelemetryDeadLetterCode,
            reason: entry.reason,
            topic: entry.topic,
            payload: entry.bytes,
          },
          clock(),
        ),
      ),
  };
}
