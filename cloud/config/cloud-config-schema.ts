import { z } from 'zod';
import { CategorySchema } from '../tickets/categories.ts';
import { DEPARTMENT_BOUND_ROLES, ROLES } from '../tickets/roles.ts';
import { SuppressionConfigSchema } from './suppression-config.ts';

/**
 * The cloud config file (YAML), validated once at start and frozen. Every object is strict: a
 * misspelt field is an error. Relative file paths are taken from the config file's folder.
 */

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-"');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'the sha256 of the token, 64 lower-case hex digits');
const Minutes = z.number().positive();
export const LevelSchema = z.number().int().min(1).max(4);
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');

export const RoutingRuleSchema = z.strictObject({
  /** Event type or report category this rule covers. */
  category: CategorySchema,
  /** Only in this grid, community, street or district (any level's id). */
  place: Id.optional(),
  /** Only between these local times (`from` > `to` spans midnight). */
  hours: z.strictObject({ from: TimeOfDay, to: TimeOfDay }).optional(),
  department: Id,
  level: LevelSchema,
});

/** Minutes each step may take at one urgency level, counted from when the step began. */
export const StepDeadlinesSchema = z.strictObject({
  dispatch: Minutes,
  accept: Minutes,
  handle: Minutes,
  verify: Minutes,
});
export type StepDeadlines = z.infer<typeof StepDeadlinesSchema>;

export const RoutingConfigSchema = z.strictObject({
  /** IANA zone the `hours` of rules are read in. */
  timezone: z.string().default('Asia/Shanghai'),
  /** First matching rule wins. */
  rules: z.array(RoutingRuleSchema).default([]),
  /** When no rule matches. */
  fallback: z.strictObject({ department: Id, level: LevelSchema }),
  levels: z.strictObject({
    '1': StepDeadlinesSchema,
    '2': StepDeadlinesSchema,
    '3': StepDeadlinesSchema,
    '4': StepDeadlinesSchema,
  }),
});
export type RoutingConfig = z.infer<typeof RoutingConfigSchema>;

/** An S3-compatible bucket (AWS S3, SeaweedFS, MinIO, Ceph RGW...) for cloud/evidence/s3-evidence-store.ts. */
export const S3EvidenceConfigSchema = z.strictObject({
  /** http(s)://host:port of the S3 API. */
  endpoint: z.url(),
  region: z.string().min(1).default('us-east-1'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  /** Keys start with this; end it with "/" for a folder. */
  prefix: z.string().default('evidence/'),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  /** host/bucket/key rather than bucket.host/key: what most self-hosted servers want. */
  forcePathStyle: z.boolean().default(true),
});
export type S3EvidenceConfig = z.infer<typeof S3EvidenceConfigSchema>;

/** A clip of a few minutes at high quality fits with room to spare. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
export const DEFAULT_INCOMPLETE_UPLOAD_HOURS = 24;

export const EvidenceConfigSchema = z
  .strictObject({
    /** Where uploaded evidence is kept; absent: 'disk'. */
    store: z.enum(['disk', 's3']).optional(),
    /** The disk store's folder. */
    dir: z.string().default('data/evidence'),
    s3: S3EvidenceConfigSchema.optional(),
    /** The largest file an edge may announce (Upload-Length); larger: 413 UPLOAD_TOO_LARGE. Default 512 MiB. */
    maxUploadBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    /** An upload that took no chunk for this many hours is discarded (the edge starts it again). Default 24. */
    incompleteUploadHours: z.number().positive().optional(),
  })
  .refine((evidence) => evidence.store !== 's3' || evidence.s3 !== undefined, {
    message: "store 's3' needs the s3 section (endpoint, bucket, keys)",
    path: ['s3'],
  });
export type EvidenceConfig = z.infer<typeof EvidenceConfigSchema>;

/** The muck-truck permit registry (cloud/permits/) and what a truck without a valid permit does to its ticket. */
export const PermitsConfigSchema = z.strictObject({
  /**
   * The registry file (YAML; cloud/permits/permit-schema.ts), taken in at start when its content
   * changed since it was last taken in; absent: the registry is what the API put in the database.
   */
  file: z.string().min(1).optional(),
  /** Permits' hours and dates are local times this far east of UTC (China: 480). */
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
  /**
   * Levels an uncovered-muck-truck ticket is raised (made more urgent: 1 is the most) when a truck
   * it names by plate has no valid permit for that place and time, never past level 1. 0: not raised.
   */
  raiseLevelBy: z.number().int().min(0).max(3).default(1),
});
export type PermitsConfig = z.infer<typeof PermitsConfigSchema>;

/**
 * NATS JetStream as the cloud's transport (cloud/nats/): edges publish MQTT into NATS's MQTT
 * gateway as before, and the cloud reads what it stored through durable pull consumers that all
 * instances share. Absent: the cloud subscribes over MQTT (`mqtt`).
 */
const NatsConfigSchema = z.strictObject({
  /** The cluster's nodes, nats://host:port (any one answering is enough to start). */
  servers: z
    .array(z.string().regex(/^(nats|tls):\/\/[^/\s]+$/, 'nats://host:port or tls://host:port'))
    .min(1),
  /** The shared durable consumers are named `{durable}-events` and `{durable}-status`. */
  durable: Id.default('cloud'),
  /** The last-value stream of the edges' statuses (one message per edge), made at start. */
  statusStream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-"')
    .default('EDGE_STATUS'),
  /** Replicas of the status stream: 3 on a three-node cluster, 1 on a single server. */
  replicas: z.number().int().min(1).max(5).default(3),
  /** A message handed to an instance that neither acknowledges it nor reports progress goes to another after this. */
  ackWaitSeconds: z.number().int().min(1).max(3600).default(30),
  /** Events handed out and not yet acknowledged, all instances together: bounds the memory they hold. */
  maxAckPending: z.number().int().min(1).max(1_000_000).default(20_000),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

export const CloudConfigSchema = z
  .strictObject({
    database: z
      .strictObject({
        /** postgres://… ; absent: the embedded PGlite. */
        url: z.string().startsWith('postgres').optional(),
        /** PGlite's data folder; absent (and no url): in memory, lost at exit. */
        dataDir: z.string().optional(),
      })
      .default({}),
    mqtt: z
      .strictObject({
        /** An external broker; absent: the embedded one (aedes) on `embeddedPort`. */
        url: z
          .string()
          .regex(/^mqtts?:\/\//, 'mqtt://host:port or mqtts://…')
          .optional(),
        embeddedPort: z.number().int().min(0).max(65535).default(1883),
        /** 5 (shared subscription) for Mosquitto/EMQX; the embedded broker speaks only 4. */
        protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
        /**
         * MQTT 5 shared-subscription group, for several cloud instances sharing the load. Absent: a
         * plain subscription, which the broker keeps across its own restart (Mosquitto 2.0 does not
         * restore a persistent session's shared subscriptions, so messages published between its
         * restart and the instances subscribing again reach nobody).
         */
        group: Id.optional(),
        clientId: z.string().min(1).default('cloud-1'),
        username: z.string().optional(),
        password: z.string().optional(),
        sessionExpirySeconds: z.number().int().positive().default(86_400),
      })
      .default({ embeddedPort: 1883, clientId: 'cloud-1', sessionExpirySeconds: 86_400 }),
    api: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .default({ host: '127.0.0.1', port: 8080 }),
    places: z.strictObject({ grids: z.string(), cameras: z.string() }),
    /**
     * Group commit: consecutive broker messages are stored in one transaction, acknowledged after
     * it commits. A batch starts when `batchMaxMessages` are waiting or the oldest has waited
     * `batchMaxMs`, and not before the previous one committed.
     */
    ingest: z
      .strictObject({
        batchMaxMessages: z.number().int().min(1).max(10_000).default(500),
        batchMaxMs: z.number().int().min(0).max(10_000).default(10),
      })
      .default({ batchMaxMessages: 500, batchMaxMs: 10 }),
    nats: NatsConfigSchema.optional(),
    incidents: z
      .strictObject({
        /** Events of one type from different cameras whose view points are this close are one incident. */
        mergeDistanceMeters: z.number().nonnegative().default(50),
        /** ...when their times overlap, give or take this. */
        mergeGapSeconds: z.number().nonnegative().default(60),
      })
      .default({ mergeDistanceMeters: 50, mergeGapSeconds: 60 }),
    routing: RoutingConfigSchema,
    tickets: z
      .strictObject({ sweepSeconds: z.number().positive().default(30) })
      .default({ sweepSeconds: 30 }),
    auth: z
      .strictObject({
        users: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              role: z.enum(ROLES),
              tokenSha256: Sha256,
              /** One of the routing config's departments; a handler must have one and works only its tickets. */
              department: Id.optional(),
            }),
          )
          .default([]),
        edges: z.array(z.strictObject({ edgeId: Id, tokenSha256: Sha256 })).default([]),
        /** Open311 clients (citizen apps): their api_key's sha256. */
        open311Keys: z.array(z.strictObject({ name: z.string().min(1), keySha256: Sha256 })).default([]),
      })
      .default({ users: [], edges: [], open311Keys: [] }),
    evidence: EvidenceConfigSchema.default({ dir: 'data/evidence' }),
    permits: PermitsConfigSchema.default({ utcOffsetMinutes: 480, raiseLevelBy: 1 }),
    /** Per-camera suppression regions learned from operators' verdicts (cloud/suppression/). */
    suppression: SuppressionConfigSchema.prefault({}),
    /** Camera and edge maintenance (cloud/health/): an edge offline this many minutes gets a ticket. */
    health: z.strictObject({ edgeOfflineMinutes: z.number().positive().default(10) }).prefault({}),
    /**
     * The cloud runs the IoT rules itself (the same engine and rules file as an edge hub): device
     * telemetry from the broker becomes device events, and vehicle positions are kept to list the
     * trucks near a camera that saw an uncovered load. Absent: telemetry is left to edge hubs.
     */
    iot: z
      .strictObject({
        /** The rules config (iot/rules/rule-schema.ts), YAML. */
        rules: z.string().min(1),
        /** Shared-subscription group of the cloud's rule instances (MQTT 5); default: mqtt.group. */
        group: Id.optional(),
        /**
         * Where the open device incidents are journaled, so that after a crash they are carried on
         * or ended (one folder per instance). Absent: an incident open at a crash never ends.
         */
        journalDir: z.string().min(1).optional(),
        /** Trucks further than this from the camera are no candidates. */
        radiusMeters: z.number().positive().default(300),
        /** Positions further than this from the camera's observation time are not considered. */
        maxOffsetSeconds: z.number().positive().default(60),
      })
      .optional(),
  })
  .superRefine((config, context) => {
    if (config.nats && config.mqtt.url === undefined)
      context.addIssue({
        code: 'custom',
        path: ['mqtt', 'url'],
        message:
          "with nats, the URL of NATS's MQTT listener: the fleet notices and device telemetry still go over MQTT",
      });
    if (config.nats && config.mqtt.protocolVersion === 5)
      context.addIssue({
        code: 'custom',
        path: ['mqtt', 'protocolVersion'],
        message: "NATS's MQTT gateway speaks MQTT 3.1.1 only: 4",
      });
    const known = departmentsOf(config.routing);
    config.auth.users.forEach((user, i) => {
      const path = ['auth', 'users', i, 'department'];
      const listed = `the routing config's departments: ${[...known].join(', ')}`;
      if (user.department === undefined && DEPARTMENT_BOUND_ROLES.includes(user.role)) {
        context.addIssue({
          code: 'custom',
          path,
          message: `a ${user.role} needs the department whose tickets they work; one of ${listed}`,
        });
      } else if (user.department !== undefined && !known.has(user.department)) {
        context.addIssue({
          code: 'custom',
          path,
          message: `"${user.department}" is not a department tickets are routed to; ${listed}`,
        });
      }
    });
  });
export type CloudConfig = z.infer<typeof CloudConfigSchema>;

/** Every department tickets may be routed to: the rules' and the fallback's. */
export function departmentsOf(routing: RoutingConfig): Set<string> {
  return new Set([...routing.rules.map((rule) => rule.department), routing.fallback.department]);
}
