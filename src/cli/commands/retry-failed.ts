import type { Command } from 'commander';
import { retryFailed } from '../lazy.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';

export function registerRetryFailedCommand(program: Command): void {
  program
    .command('retry-failed')
    .argument('<campaign>', 'campaign id')
    .description("queue a campaign's failed rows again, read from its unchanged source file; the campaign runs until they end")
    .option('--json', 'print JSON: { id, requeued, retry, chunks }')
    .addHelpText(
      'after',
      '\nExample:\n  fleetcast retry-failed firmware-notice\n\nExit codes: 0 done (also when no row had failed), 2 no such campaign, it is cancelled or still being submitted, or its file changed or is gone.',
    )
    .action(async (id: string, flags: GlobalFlags) => {
      const json = flags.json === true;
      try {
        const result = await withStore(configFrom(flags), (store) => retryFailed(store, id));
        if (json) printJson(result);
        else console.log(result.requeued === 0 ? `${id}: no failed rows; nothing queued` : `${id}: ${result.requeued} failed rows queued again in ${result.chunks} chunks`);
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
