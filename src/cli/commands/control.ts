import type { Command } from 'commander';
import type { ControlCommand } from '../../queue/campaign-store.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';

const DESCRIPTIONS: Readonly<Record<Exclude<ControlCommand, 'autopause' | 'soaked'>, string>> = {
  pause: 'pause a campaign: every worker stops sending its rows within a second',
  resume: 'resume a paused campaign (also one paused by a systemic failure or an abort rule), or send the rest after its canary',
  cancel: 'cancel a campaign: rows not yet sent end as cancelled',
};

export function registerControlCommands(program: Command): void {
  for (const command of ['pause', 'resume', 'cancel'] as const) {
    program
      .command(command)
      .argument('<campaign>', 'campaign id')
      .description(DESCRIPTIONS[command])
      .option('--json', 'print JSON: { id, state }')
      .addHelpText('after', `\nExample:\n  fleetcast ${command} firmware-notice`)
      .action(async (id: string, flags: GlobalFlags) => {
        const json = flags.json === true;
        try {
          const state = await withStore(configFrom(flags), (store) => store.control(id, command));
          if (json) printJson({ id, state });
          else console.log(`${id}: ${state}`);
        } catch (error) {
          exitWithError(error, json);
        }
      });
  }
}
