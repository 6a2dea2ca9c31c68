import { Command } from 'commander';
import { describeError } from '../../edge/errors.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerDetectCommand } from './detect-command.ts';
import { registerFlightCommand } from './flight-command.ts';
import { registerReplayCommand } from './replay-command.ts';
import { registerRunCommand } from './run-command.ts';

const program = new Command('edge')
  .description('edge node: video analytics at a street video hub')
  .showHelpAfterError();

registerDetectCommand(program);
registerDemoCommand(program);
registerReplayCommand(program);
registerRunCommand(program);
registerFlightCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`edge: ${describeError(error)}`);
  process.exitCode = 1;
}
