import { z } from 'zod';
import { demoLogger, startDemo } from './demo-system.ts';

/** What the environment may change; validated before anything starts. */
const EnvSchema = z.object({
  DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DEMO_HOST: z.string().min(1).default('127.0.0.1'),
  DEMO_DATA_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

async function main() {
  const env = EnvSchema.safeParse(process.env);
  if (!env.success) {
    process.stderr.write(`DEMO_ENV_INVALID: ${z.prettifyError(env.error)}\n`);
    process.exit(2);
  }
  const { DEMO_PORT, DEMO_HOST, DEMO_DATA_DIR, LOG_LEVEL } = env.data;
  process.stdout.write(
    'Starting the demo: cloud (embedded database and broker), edge node, IoT simulator…\n',
  );
  const demo = await startDemo({
    port: DEMO_PORT,
    host: DEMO_HOST,
    dataDir: DEMO_DATA_DIR,
    logger: demoLogger(LOG_LEVEL),
  });
  const ui = `${demo.cloud.url}/ui/`;
  const width = Math.max(...demo.users.map((u) => u.role.length));
  process.stdout.write(
    [
      '',
      `  Operator UI:  ${ui}`,
      `  API docs:     ${demo.cloud.url}/docs`,
      `  Edge API:     ${demo.edge.apiUrl} (live view: ${demo.edge.apiUrl}/cameras/ln-market/live)`,
      `  MQTT broker:  ${demo.cloud.mqttUrl} (embedded, MQTT 3.1.1)`,
      `  Data:         ${demo.dataDir}${DEMO_DATA_DIR ? '' : ' (removed at exit)'}`,
      '',
      '  Sign in with one token per role (each role sees only its own actions):',
      ...demo.users.map((u) => `    ${u.role.padEnd(width)}  ${u.token}`),
      '',
      '  Cameras ln-market and ln-school replay the fixture videos in a loop; the first AI tickets',
      '  reach the review queue within a minute. The IoT simulator replays an hour of muck-truck and',
      '  site-sensor telemetry in two minutes. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the demo…\n`);
    await demo.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error & { code?: string }) => {
  process.stderr.write(`${error.code ?? 'DEMO_FAILED'}: ${error.message}\n`);
  process.exit(1);
});
