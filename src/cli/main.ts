import { Command } from 'commander';
import { registerCapCommand } from './commands/cap.js';
import { registerConsoleCommand } from './commands/console.js';
import { registerControlCommands } from './commands/control.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerMigrateKeysCommand } from './commands/migrate-keys.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReportCommand } from './commands/report.js';
import { registerRetryFailedCommand } from './commands/retry-failed.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSubmitCommand } from './commands/submit.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWorkerCommand } from './commands/worker.js';

const program = new Command('fleetcast')
  .description('Bulk messages to device fleets through the Alibaba Cloud IoT Platform Pub API, held under the account quota.')
  .option('--redis-url <url>', 'Redis (env REDIS_URL, default redis://127.0.0.1:6379)')
  .option('--prefix <prefix>', 'prefix of every Redis key (env FLEETCAST_PREFIX, default fleetcast)')
  .showHelpAfterError()
  .enablePositionalOptions(false)
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  })
  .addHelpText(
    'after',
    `
Configuration (environment): REDIS_URL, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
FLEETCAST_ENDPOINT (e.g. https://iot.cn-shanghai.aliyuncs.com or http://127.0.0.1:8787), ALIBABA_CLOUD_REGION_ID,
IOT_INSTANCE_ID, FLEETCAST_RATE (seeds the account's shared cap when none is stored, default 1600; see fleetcast cap),
FLEETCAST_BATCHPUB_RATE (the same for BatchPub calls of --pack, default 50), FLEETCAST_PACK_PUB_SHARE (share of
packable rows --pack sends by Pub so that both quotas work at once: auto, or 0 to 1).

Exit codes: 0 success, 1 the campaign finished with failures, 2 bad usage or bad input, 3 a component is unreachable.

Start here: fleetcast demo`,
  );

program.hook('preAction', (_root, action) => {
  const globals = program.opts<{ redisUrl?: string; prefix?: string }>();
  if (globals.redisUrl !== undefined) action.setOptionValue('redisUrl', globals.redisUrl);
  if (globals.prefix !== undefined) action.setOptionValue('prefix', globals.prefix);
});

registerValidateCommand(program);
registerPlanCommand(program);
registerSubmitCommand(program);
registerWorkerCommand(program);
registerStatusCommand(program);
registerControlCommands(program);
registerCapCommand(program);
registerMigrateKeysCommand(program);
registerScheduleCommands(program);
registerRetryFailedCommand(program);
registerReportCommand(program);
registerConsoleCommand(program);
registerEmulatorCommand(program);
registerDemoCommand(program);

await program.parseAsync(process.argv);
