import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { createApiServer } from '../api/server.ts';
import { describeError } from '../common/errors.ts';
import { loadEdgeConfig } from '../config/load-edge-config.ts';
import { edgeApiSource } from '../runtime/edge-api-source.ts';
import { EdgeNode } from '../runtime/edge-node.ts';
import { parsePositive } from './options.ts';

interface RunCommandOptions {
  config: string;
  statusEvery: number;
  apiPort?: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port (0-65535; 0 picks a free one)`);
  }
  return port;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the edge node: analyse every configured camera and print events as JSON lines')
    .requiredOption('-c, --config <file>', 'edge config (YAML)')
    .option('--status-every <seconds>', "log each camera's state and counters this often", parsePositive, 30)
    .option(
      '--api-port <port>',
      "the local API's port instead of the config's api.port (0: any free port)",
      parsePort,
    )
    .action(async (options: RunCommandOptions) => {
      const log = pino({ name: 'edge' }, pino.destination(2));
      const config = await loadEdgeConfig(options.config);
      const print = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
      const node = await EdgeNode.start(config, {
        onEvent: print,
        onError: (cameraId, error) => log.error({ cameraId }, `analysis failed: ${describeError(error)}`),
      });
      const api = createApiServer(edgeApiSource(node), {
        host: config.api.host,
        port: options.apiPort ?? config.api.port,
        logger: log.child({ component: 'api' }),
      });
      const { url } = await api.listen();
      log.info(
        { edgeId: config.edgeId, cameras: config.cameras.map((c) => c.id), api: url },
        'edge node started',
      );
      const timer = setInterval(() => {
        for (const status of node.status()) log.info(status, 'camera status');
      }, options.statusEvery * 1000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(timer);
      log.info('stopping: ending open incidents');
      await api.close();
      await node.stop();
    });
}
