import type { Command } from 'commander';
import { tuneGarbageCollectionForManyRequests, youngCollectionBetweenGrants } from '../../runtime/gc-tuning.js';
import { DEFAULT_WORKER_OPTIONS } from '../../worker/worker-options.js';
import { configFrom, type GlobalFlags } from '../context.js';
import { exitWithError } from '../output.js';
import { positiveInt } from '../parse.js';

interface WorkerFlags extends GlobalFlags {
  concurrency: number;
  metricsPort?: number;
  metricsHost: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker process: sends the rows of every active campaign, within the shared account cap')
    .option('--concurrency <n>', 'chunks of up to 100 rows held at once, per campaign (rows in progress follow the endpoint latency)', positiveInt('--concurrency', 1, 1000), DEFAULT_WORKER_OPTIONS.concurrency)
    .option('--metrics-port <port>', 'serve Prometheus metrics on /metrics at this port', positiveInt('--metrics-port', 0, 65535))
    .option('--metrics-host <host>', 'address for /metrics and the queue UI at /queues (beyond loopback the UI needs FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD)', DEFAULT_WORKER_OPTIONS.metricsHost)
    .addHelpText(
      'after',
      '\nScale by starting more workers, on any machine that reaches Redis: they share one limiter.\n\nExample:\n  ALIBABA_CLOUD_ACCESS_KEY_ID=… ALIBABA_CLOUD_ACCESS_KEY_SECRET=… fleetcast worker --concurrency 8 --metrics-port 9464\n\nSIGTERM or SIGINT: stop taking rows, finish calls in flight, hand the rest back to the queue, exit 0.',
    )
    .action(async (flags: WorkerFlags) => {
      try {
        const config = configFrom(flags);
        tuneGarbageCollectionForManyRequests();
        const log = (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
        const { runWorker } = await import('../../worker/run-worker.js');
        const onIdleGap = youngCollectionBetweenGrants();
        const worker = await runWorker(config, { concurrency: flags.concurrency, metricsPort: flags.metricsPort, metricsHost: flags.metricsHost, onIdleGap }, log);
        log(`worker ready: endpoint ${config.endpoint.origin}, shared cap ${worker.cap()}/s, concurrency ${flags.concurrency}${worker.metricsPort === undefined ? '' : `, metrics on ${flags.metricsHost}:${worker.metricsPort}/metrics`}`);
        const stop = (signal: string): void => {
          log(`${signal}: draining`);
          void worker.stop().then(
            () => {
              log('stopped');
              process.exit(0);
            },
            (error: unknown) => exitWithError(error, false),
          );
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      } catch (error) {
        exitWithError(error, flags.json === true);
      }
    });
}
