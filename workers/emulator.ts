/**
 * Process entry of the emulator alone: `node dist/workers/emulator.js emulator [--port P] …`.
 * Same as `fleetcast emulator`, without loading the rest of the CLI.
 */
import { Command } from 'commander';
import { registerEmulatorCommand } from '../src/cli/commands/emulator.js';

const program = new Command('fleetcast');
registerEmulatorCommand(program);
await program.parseAsync(process.argv);
