import type { Command } from 'commander';
import { configFrom, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface DemoFlags extends GlobalFlags {
  devices: number;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole pipeline on one machine: emulator, simulated fleet, worker, a firmware-notice campaign')
    .option('--devices <n>', 'simulated MQTT 5 devices, one campaign row each', positiveInt('--devices', 1, 20_000), 2000)
    .option('--json', 'last line: { rows, sent, failed, received, seconds, ratePerSec, ... }')
    .addHelpText(
      'after',
      '\nNeeds only Redis: REDIS_URL, or a redis-server on PATH that the demo starts privately.\nIts keys (prefix fleetcast-demo) are deleted when it ends; with FLEETCAST_PREFIX set\nthey stay under that prefix.\n\nExample:\n  npx fleetcast demo --devices 2000 --json\n\nExit code 0 only if every row was sent and received by its device.',
    )
    .action(async (flags: DemoFlags) => {
      const json = flags.json === true;
      try {
        const log = json ? (): void => undefined : (line: string): void => console.log(line);
        const { runDemo } = await import('../../demo/run-demo.js');
        const summary = await runDemo(configFrom(flags), { devices: flags.devices, log });
        if (json) printJson(summary);
        else {
          console.log(
            `demo: ${summary.rows} rows, ${summary.sent} sent, ${summary.failed} failed, ${summary.received} received by devices, in ${summary.seconds} s (${summary.ratePerSec}/s, cap ${summary.cap}/s)`,
          );
        }
        process.exitCode = summary.sent === summary.rows && summary.received === summary.rows ? 0 : 1;
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
