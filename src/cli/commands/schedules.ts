import type { Command } from 'commander';
import { listSchedules, removeSchedule } from '../lazy.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson, printTable } from '../output.js';
import { SCHEDULE_COLUMNS, scheduleJson, scheduleRow } from '../../view/schedule-view.js';

/** `fleetcast schedules` lists the recurring schedules; `fleetcast unschedule NAME` removes one. */
export function registerScheduleCommands(program: Command): void {
  program
    .command('schedules')
    .description('recurring schedules (made by submit --cron) with their next run and what their last run did')
    .option('--json', 'print JSON: { schedules: [{ name, pattern, timeZone, next, file, window, lastRun }] }')
    .addHelpText('after', '\nExamples:\n  fleetcast schedules\n  fleetcast schedules --json\n\nExit codes: 0 done, 3 Redis unreachable.')
    .action(async (flags: GlobalFlags) => {
      const json = flags.json === true;
      try {
        const schedules = await withStore(configFrom(flags), (store) => listSchedules(store.redis, store.prefix));
        if (json) printJson({ schedules: schedules.map(scheduleJson) });
        else if (schedules.length === 0) console.log('no schedules');
        else printTable(schedules.map(scheduleRow), SCHEDULE_COLUMNS);
      } catch (error) {
        exitWithError(error, json);
      }
    });
  program
    .command('unschedule')
    .argument('<name>', 'schedule name (as given to submit --cron --name)')
    .description('remove a recurring schedule: it fires no more; campaigns it already made are left as they are')
    .option('--json', 'print JSON: { removed: NAME }')
    .addHelpText('after', '\nExample:\n  fleetcast unschedule nightly\n\nExit codes: 0 removed, 2 no such schedule, 3 Redis unreachable.')
    .action(async (name: string, flags: GlobalFlags) => {
      const json = flags.json === true;
      try {
        await withStore(configFrom(flags), (store) => removeSchedule(store.redis, store.prefix, name));
        if (json) printJson({ removed: name });
        else console.log(`schedule ${name} removed`);
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
