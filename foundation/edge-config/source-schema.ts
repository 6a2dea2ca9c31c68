import { z } from 'zod';

const STREAM_SCHEMES = ['rtsp', 'rtsps', 'http', 'https'] as const;
const SCHEME_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** Whether a source url is a network stream (rtsp://, rtsps://, http(s):// MJPEG) rather than a file. */
export function isStreamUrl(url: string): boolean {
  const scheme = SCHEME_PATTERN.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && (STREAM_SCHEMES as readonly string[]).includes(scheme);
}

/** Where a camera's video comes from. */
export const SourceSchema = z
  .strictObject({
    /**
     * A video file path (relative paths are taken from the config file's folder), or a stream:
     * rtsp://, rtsps://, or http(s):// serving MJPEG.
     */
    url: z
      .string()
      .trim()
      .min(1)
      .superRefine((url, ctx) => {
        const scheme = SCHEME_PATTERN.exec(url)?.[1];
        if (scheme !== undefined && !isStreamUrl(url)) {
          ctx.addIssue({
            code: 'custom',
            message: `unsupported scheme "${scheme}://": use a file path, rtsp://, rtsps://, http:// or https:// (MJPEG)`,
          });
        } else if (scheme !== undefined && url.length <= scheme.length + 3) {
          ctx.addIssue({ code: 'custom', message: 'the url has no host' });
        }
      }),
    /**
     * The stream evidence clips are recorded from, when it differs from `url`: typically the
     * camera's full-resolution main stream while `url` is a sub-stream for analysis.
     */
    recordUrl: z.string().trim().min(1).optional(),
    /** RTSP transport; ignored for files and http. */
    transport: z.enum(['tcp', 'udp']).default('tcp'),
    /** Restart a file from the beginning when it ends (demos, soak tests). Files only. */
    loop: z.boolean().default(false),
    /** ffmpeg -hwaccel value (e.g. "cuda", "vaapi", "videotoolbox"); absent: software decoding. */
    hwaccel: z.string().min(1).optional(),
  })
  .superRefine((source, ctx) => {
    if (source.loop && isStreamUrl(source.url)) {
      ctx.addIssue({ code: 'custom', path: ['loop'], message: 'loop applies to file sources only' });
    }
  });

/** When a source counts as stalled, and how its restarts back off. */
export const WatchdogSchema = z
  .strictObject({
    /** No frame for this long: the source is considered stalled and is restarted. */
    stallSeconds: z.number().positive().default(10),
    /** First wait before a restart; doubles on each failure up to backoffMaxSeconds. */
    backoffInitialSeconds: z.number().positive().default(1),
    backoffMaxSeconds: z.number().positive().default(60),
  })
  .refine((w) => w.backoffMaxSeconds >= w.backoffInitialSeconds, {
    path: ['backoffMaxSeconds'],
    message: 'must be at least backoffInitialSeconds',
  });
