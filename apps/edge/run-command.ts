import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { startEdge } from '../../edge/runtime/start-edge.ts';
import { parsePositive } from './options.ts';

interface RunCommandOptions {
  config: string;
  statusEvery: number;
  apiPort?: number;
  dataDir?: string;
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
    .description(
      'run the edge node: analyse every configured camera, keep evidence, deliver events over MQTT through the durable outbox, and print them as JSON lines',
    )
    .requiredOption('-c, --config <file>', 'edge config (YAML)')
    .option('--status-every <seconds>', "log each camera's state and counters this often", parsePositive, 30)
    .option(
      '--api-port <port>',
      "the local API's port instead of the config's api.port (0: any free port)",
      parsePort,
    )
    .option(
      '--data-dir <dir>',
      "folder for the outbox, evidence and clip buffers instead of the config's dataDir",
    )
    .action(async (options: RunCommandOptions) => {
      const log = pino({ name: 'edge' }, pino.destination(2));
      const loaded = await loadEdgeConfig(options.config);
      const config = options.dataDir ? { ...loaded, dataDir: path.resolve(options.dataDir) } : loaded;
      const edge = await startEdge(config, {
        logger: log,
        configDir: path.dirname(path.resolve(options.config)),
        ...(options.apiPort !== undefined ? { apiPort: options.apiPort } : {}),
        onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
      });
      log.info(
        {
          edgeId: config.edgeId,
          cameras: edge.node.config.cameras.map((c) => c.id),
          api: edge.apiUrl,
          broker: config.mqtt.url,
          dataDir: config.dataDir,
        },
        'edge node started',
      );
      const timer = setInterval(() => {
        for (const status of edge.node.status()) log.info(status, 'camera status');
        log.info(edge.publisher.stats(), 'delivery status');
      }, options.statusEvery * 1000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(timer);
      log.info('stopping: ending open incidents');
      await edge.stop();
    });
}
