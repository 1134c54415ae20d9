import type { Command } from 'commander';
import { configFrom, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface DemoFlags extends GlobalFlags {
  devices: number;
  mqtt?: string;
  rate: number;
  devicesPerConnection: number;
  pack?: boolean;
}

const HELP = `
Needs only Redis: REDIS_URL, or a redis-server on PATH that the demo starts privately.
Its keys (prefix fleetcast-demo) are deleted when it ends; with FLEETCAST_PREFIX set
they stay under that prefix.

The simulated devices share MQTT connections (--devices-per-connection each), every
device subscribed to its own topic; a connection that is reset opens again and
subscribes its devices again. The campaign starts once the broker confirmed every
subscription. While devices connect and while the campaign runs, a progress line goes
to stderr (not with --json).

Examples:
  npx fleetcast demo --devices 2000 --json
  npx fleetcast demo --devices 100000
  npx fleetcast demo --devices 20000 --mqtt mqtt://127.0.0.1:1883 --rate 3000

Exit code 0 only if every row was sent and received by its device; 3 when the MQTT
broker does not answer (FC_MQTT_UNREACHABLE) or the machine runs out of memory or open
files (FC_MACHINE_LIMIT, with how many devices were connected).`;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole pipeline on one machine: emulator, simulated fleet, worker, a firmware-notice campaign')
    .option('--devices <n>', 'simulated MQTT 5 devices, one campaign row each', positiveInt('--devices', 1, 1_000_000), 2000)
    .option('--mqtt <url>', 'an MQTT 5 broker to deliver through (e.g. Mosquitto, mqtt://127.0.0.1:1883) instead of the embedded one')
    .option('--rate <qps>', "Pub calls per second: the emulator's quota and the account cap", positiveInt('--rate', 1, 100_000), 1600)
    .option('--devices-per-connection <n>', 'device subscriptions that share one MQTT connection', positiveInt('--devices-per-connection', 1, 100_000), 2000)
    .option('--pack', 'one notice for every device, sent by BatchPub in calls of up to 100 devices (50 calls/s) beside Pub')
    .option('--json', 'last line: { rows, sent, failed, received, duplicates, seconds, ratePerSec, ... }')
    .addHelpText('after', HELP)
    .action(async (flags: DemoFlags) => {
      const json = flags.json === true;
      try {
        const log = json ? (): void => undefined : (line: string): void => console.log(line);
        const { runDemo } = await import('../../demo/run-demo.js');
        const { progressLine, silentProgress } = await import('../../demo/progress.js');
        const summary = await runDemo(configFrom(flags), {
          devices: flags.devices,
          mqtt: flags.mqtt,
          rate: flags.rate,
          devicesPerConnection: flags.devicesPerConnection,
          pack: flags.pack === true,
          log,
          progress: json ? silentProgress : progressLine(),
        });
        if (json) printJson(summary);
        else {
          console.log(
            `demo: ${summary.rows} rows, ${summary.sent} sent, ${summary.failed} failed, ${summary.received} received by devices (${summary.connections} MQTT connections, ${summary.reconnects} reconnects), in ${summary.seconds} s (${summary.ratePerSec}/s, cap ${summary.cap}/s${flags.pack === true ? `; ${summary.sentBatchPub} rows by BatchPub, ${summary.sent - summary.sentBatchPub} by Pub` : ''})`,
          );
        }
        process.exitCode = summary.sent === summary.rows && summary.received === summary.rows ? 0 : 1;
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
