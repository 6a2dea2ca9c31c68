import { z } from 'zod';

/** What each incident keeps as evidence, where, and for how long. */
export const EvidenceSchema = z
  .strictObject({
    /** JPEGs of each incident's best frame, clean and annotated. */
    snapshots: z
      .strictObject({
        enabled: z.boolean().default(true),
        quality: z.number().int().min(30).max(100).default(85),
      })
      .prefault({}),
    /**
     * MP4 clips cut from a rolling buffer of segments copied (not re-encoded) from each camera's
     * stream (`source.recordUrl`, else `source.url`). HTTP (MJPEG) sources cannot be recorded.
     */
    clips: z
      .strictObject({
        enabled: z.boolean().default(true),
        preRollSeconds: z.number().min(0).max(60).default(5),
        postRollSeconds: z.number().min(0).max(120).default(10),
        /** A longer incident's clip keeps its first part only. */
        maxSeconds: z.number().positive().max(3600).default(120),
        segmentSeconds: z.number().min(0.5).max(60).default(2),
        /** Per camera: the segment buffer's bytes and age at most. */
        bufferMaxMegabytes: z.number().positive().default(1024),
        bufferMaxMinutes: z.number().positive().default(60),
      })
      .prefault({}),
    /**
     * Evidence files kept on this box at most; the oldest go first, files still waiting for upload
     * only when nothing else is left.
     */
    maxMegabytes: z.number().positive().default(2048),
    /** The cloud's evidence endpoint (contract/evidence-upload.ts); absent: files stay on this box. */
    upload: z
      .strictObject({
        url: z.string().regex(/^https?:\/\/\S+$/, 'use http:// or https:// and a host'),
        token: z.string().min(1).optional(),
        chunkKilobytes: z.number().int().min(16).max(8192).default(1024),
      })
      .optional(),
  })
  .refine((e) => e.clips.maxSeconds > e.clips.preRollSeconds, {
    path: ['clips', 'maxSeconds'],
    message: 'must be longer than preRollSeconds',
  });
