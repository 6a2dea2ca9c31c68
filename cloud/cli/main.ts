import { Command } from 'commander';

/**
 * The cloud aggregator's CLI. Its commands (`cloud run`: MQTT ingest, tickets, API, UI) arrive
 * with the cloud issue; until then it only prints this help.
 */
const program = new Command('cloud')
  .description('cloud aggregator: events to incidents and dispatch tickets (not built yet: no commands)')
  .showHelpAfterError();

await program.parseAsync(process.argv);
if (program.args.length === 0) program.help();
