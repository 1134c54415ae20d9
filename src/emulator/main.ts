import { Command } from 'commander';
import { registerEmulatorCommand } from '../cli/commands/emulator.js';

const program = new Command('fleetcast');
registerEmulatorCommand(program);
await program.parseAsync(process.argv);
