import { z } from 'zod';

/**
 * The sizes and times the contract allows (events, statuses, telemetry), in one place: the
 * schemas build on them, the edge keeps within them, the cloud refuses what goes past them, and
 * the README lists them. An honest event is 1–5 KB; each limit is far above what an honest edge
 * sends and far below what would hurt a receiver.
 */
export const CONTRACT_LIMITS = {
  /** Ids that are also MQTT topic levels: edgeId, cameraId, nodeId, deviceId. */
  idChars: 64,
  /** eventId, incidentId, clientId. */
  messageIdChars: 200,
  /** Names: scenario, zone, rule, label, model name and version, metric, unit, record keys, camera state. */
  nameChars: 200,
  /** A camera's last error in a status. */
  errorChars: 1000,
  /** Objects listed in one event (the edge keeps the highest scores; `objectCount` stays the true count). */
  objects: 200,
  /** Entries of an object's `attributes` and of an event's `counts`. */
  recordEntries: 64,
  /** Candidate trucks on one event. */
  vehicles: 50,
  /** Points of an image outline; positions of one GeoJSON ring. */
  outlinePoints: 1000,
  /** Rings of one GeoJSON polygon (the outer one and its holes). */
  polygonRings: 64,
  /** Cameras in one status. */
  cameras: 64,
  /** Position of a message within its incident (a 32-bit integer). */
  sequence: 2_147_483_647,
  /** Bytes of one event or status payload; larger is refused before parsing (PAYLOAD_TOO_LARGE). */
  payloadBytes: 256 * 1024,
  /** Bytes of a refused payload a dead letter keeps (with the original size and sha256). */
  deadLetterPayloadBytes: 64 * 1024,
  /** Times before this are refused. */
  earliestTime: '2000-01-01T00:00:00Z',
  /** Times from this on are refused. */
  latestTime: '2100-01-01T00:00:00Z',
  /** How far ahead of the receiver's clock an event's times may be (EVENT_CLOCK_AHEAD beyond). */
  clockAheadSeconds: 24 * 3600,
} as const;

const EARLIEST_MS = Date.parse(CONTRACT_LIMITS.earliestTime);
const LATEST_MS = Date.parse(CONTRACT_LIMITS.latestTime);

/**
 * C0 control characters other than tab, line feed and carriage return, and UTF-16 surrogates that
 * are not paired: PostgreSQL's jsonb refuses `\u0000` and unpaired surrogates outright, and the
 * others have no business in a name or a message.
 */
const FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` holds a character no contract string may hold. */
export function hasForbiddenCharacters(text: string): boolean {
  return FORBIDDEN.test(text);
}

/** A contract string: min..max characters, no control characters (but tab, LF, CR), no unpaired surrogates. */
export function text(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !hasForbiddenCharacters(value), {
      message: 'must not contain control characters (U+0000–U+001F but tab, LF, CR) or unpaired surrogates',
    });
}

/** An ISO 8601 time with an offset, inside the contract's window. */
export const contractTime = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST_MS && ms < LATEST_MS;
  },
  { message: `must be from ${CONTRACT_LIMITS.earliestTime} and before ${CONTRACT_LIMITS.latestTime}` },
);

/**
 * An ISO 8601 time with an offset as a device's clock gave it, wrong or not (1970 after a boot
 * without a clock, a year ahead): for what is only shown beside the receiver's own time, such as a
 * status's `at`. Only years a database can hold (from 0001) are taken.
 */
export const clockTime = z.iso
  .datetime({ offset: true })
  .refine((value) => new Date(value).getUTCFullYear() >= 1, { message: 'must be from year 0001' });

/** A record with contract-string keys and at most `CONTRACT_LIMITS.recordEntries` entries. */
export function boundedRecord<V extends z.ZodType>(value: V) {
  return z
    .record(text(CONTRACT_LIMITS.nameChars), value)
    .refine((record) => Object.keys(record).length <= CONTRACT_LIMITS.recordEntries, {
      message: `at most ${CONTRACT_LIMITS.recordEntries} entries`,
    });
}

/** A bounded array, refused by name when longer. */
export function boundedArray<T extends z.ZodType>(item: T, max: number) {
  return z.array(item).max(max, `at most ${max} items`);
}

/**
 * A string made fit for a contract text field: forbidden characters become U+FFFD and it is cut to
 * `max` characters (an ellipsis marks the cut). For what the edge reports from elsewhere, e.g. a
 * camera's last error from ffmpeg.
 */
export function toContractText(value: string, max: number): string {
  const clean = value.replace(new RegExp(FORBIDDEN.source, 'g'), '\ufffd');
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  // Never leave half a surrogate pair at the cut.
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
