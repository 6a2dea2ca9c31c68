import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { openDatabase } from '../../cloud/db/open-database.ts';
import { describeCloudError } from '../../cloud/errors.ts';
import { hashToken } from '../../cloud/http/token-auth.ts';
import { registerDatasetCommands } from './dataset-command.ts';
import { startCloudWithIot } from './start-cloud-with-iot.ts';

/** The cloud aggregator's CLI: `run` (ingest, tickets, API), `migrate`, `token`, `dataset`. */
const program = new Command('cloud')
  .description('cloud aggregator: events to incidents and dispatch tickets')
  .showHelpAfterError();

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
};

program
  .command('run')
  .description('MQTT ingest, incidents, tickets and the HTTP API (OpenAPI at /docs) until SIGINT/SIGTERM')
  .requiredOption('--config <file>', 'cloud config (YAML), e.g. fixtures/cloud/cloud.yaml')
  .option('--api-port <port>', 'overrides api.port (0: any free port)', port)
  .option('--mqtt-url <url>', 'overrides mqtt.url (e.g. mqtt://127.0.0.1:1883 for Mosquitto)')
  .action(async (options: { config: string; apiPort?: number; mqttUrl?: string }) => {
    const loaded = await loadCloudConfig(options.config);
    const config = {
      ...loaded,
      api: { ...loaded.api, ...(options.apiPort !== undefined ? { port: options.apiPort } : {}) },
      mqtt: { ...loaded.mqtt, ...(options.mqttUrl !== undefined ? { url: options.mqttUrl } : {}) },
    };
    const cloud = await startCloudWithIot(config);
    process.stdout.write(`cloud: API ${cloud.url} (docs ${cloud.url}/docs), MQTT ${cloud.mqttUrl}\n`);
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      cloud.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });

program
  .command('migrate')
  .description("brings the configured database's schema up to date, then exits")
  .requiredOption('--config <file>', 'cloud config (YAML)')
  .action(async (options: { config: string }) => {
    const config = await loadCloudConfig(options.config);
    const db = await openDatabase(config.database);
    await db.close();
    process.stdout.write(`migrated ${db.kind} database\n`);
  });

program
  .command('token')
  .description(
    'a new random token and the sha256 to put in the config (auth.users / auth.edges / open311Keys)',
  )
  .action(() => {
    const token = randomBytes(24).toString('base64url');
    process.stdout.write(`token:  ${token}\nsha256: ${hashToken(token)}\n`);
  });

registerDatasetCommands(program);

try {
  await program.parseAsync(process.argv);
  if (process.argv.length <= 2) program.help();
} catch (error) {
  process.stderr.write(`${describeCloudError(error)}\n`);
  process.exit(1);
}
