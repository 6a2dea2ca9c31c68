import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as new (
  options: Record<string, unknown>,
) => S3rverServer;

/** An S3-protocol server (s3rver) on a free local port, keeping its buckets in `directory`. */
export async function startS3rver(directory: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}
