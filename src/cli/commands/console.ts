import type { Command } from 'commander';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError } from '../output.js';
import { positiveInt } from '../parse.js';

interface ConsoleFlags extends GlobalFlags {
  port: number;
  host: string;
  readOnly?: boolean;
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('a web page of the campaigns (live counts, failures by Code, rollout, rate against the cap) with pause, resume, cancel, retry-failed and reports')
    .option('--port <port>', 'port to listen on (0: any free port)', positiveInt('--port', 0, 65535), 8080)
    .option('--host <host>', 'address to bind; beyond loopback FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD are required (basic auth)', '127.0.0.1')
    .option('--read-only', 'show no actions, and refuse them')
    .addHelpText(
      'after',
      '\nExamples:\n  fleetcast console                      # http://127.0.0.1:8080\n  FLEETCAST_UI_USER=ops FLEETCAST_UI_PASSWORD=… fleetcast console --host 0.0.0.0 --read-only\n\nSIGTERM or SIGINT stops it.',
    )
    .action(async (flags: ConsoleFlags) => {
      try {
        const config = configFrom(flags);
        const { CONSOLE_VIEWS, consoleAuthFrom, startConsole } = await import('../../console/index.js');
        const auth = consoleAuthFrom(process.env, flags.host);
        const log = (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
        // withStore connects to whichever Redis topology the configuration names, and disconnects once stopped.
        await withStore(config, async (store) => {
          const running = await startConsole({ store, views: CONSOLE_VIEWS, host: flags.host, port: flags.port, auth, readOnly: flags.readOnly === true, log });
          log(`console on ${running.url}/${flags.readOnly === true ? ' (read-only)' : ''}${auth === undefined ? '' : ' with basic auth'}`);
          const signal = await new Promise<string>((resolve) => {
            process.once('SIGTERM', () => resolve('SIGTERM'));
            process.once('SIGINT', () => resolve('SIGINT'));
          });
          log(`${signal}: stopping`);
          await running.close();
        });
        process.exit(0);
      } catch (error) {
        exitWithError(error, false);
      }
    });
}
