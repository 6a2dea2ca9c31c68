/** What the cloud's services and consumers log through (pino, fastify's logger, or a test's). */
export interface Logger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}
