import { z } from 'zod';

/** The local HTTP API. */
export const ApiSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(8088),
  host: z.string().min(1).default('127.0.0.1'),
});

export const LiveViewSchema = z.strictObject({
  /** A websocket relay (MPEG-1 for JSMpeg) per camera, started when its live page is first opened. */
  enabled: z.boolean().default(true),
  /** The first camera's websocket port; the next cameras take the ports after it. */
  basePort: z.number().int().min(1).max(65000).default(9100),
});
