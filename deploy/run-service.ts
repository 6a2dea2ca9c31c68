/**
 * Runs a service's entry point: SIGTERM or SIGINT stops it and exits 0; a failure to start exits 1
 * after printing `CODE: message` (`failedCode` when the error has no code of its own).
 */
export function runService(start: () => Promise<{ stop(): Promise<void> }>, failedCode: string): void {
  start().then(
    (service) => {
      const stop = async () => {
        await service.stop();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: Error & { code?: string }) => {
      process.stderr.write(`${error.code ?? failedCode}: ${error.message}\n`);
      process.exit(1);
    },
  );
}
