import type { Command } from 'commander';
import { STATUS_COLUMNS, campaignView, tableRow } from '../campaign-view.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson, printTable } from '../output.js';

interface StatusFlags extends GlobalFlags {
  watch?: boolean;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .argument('[campaign]', 'one campaign id (default: all)')
    .description('campaigns with their state, counts, rate and ETA')
    .option('--watch', 'refresh every second until interrupted')
    .option('--json', 'print JSON: { campaigns: [...] }')
    .addHelpText('after', '\nExamples:\n  fleetcast status\n  fleetcast status firmware-notice --json')
    .action(async (campaign: string | undefined, flags: StatusFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        await withStore(config, async (store) => {
          for (;;) {
            const records = campaign === undefined ? await store.list() : [await store.require(campaign)];
            const views = records.map((record) => campaignView(record));
            if (json) printJson({ campaigns: views });
            else {
              if (flags.watch === true && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
              if (views.length === 0) console.log('no campaigns');
              else printTable(views.map(tableRow), STATUS_COLUMNS);
            }
            if (flags.watch !== true) return;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        });
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
