import type { Command } from 'commander';
import { migrateKeys, type MigrationResult } from '../../queue/key-migration.js';
import { connectRedis } from '../../redis/connection.js';
import { configFrom, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';

interface MigrateKeysFlags extends GlobalFlags {
  dryRun?: boolean;
}

export function registerMigrateKeysCommand(program: Command): void {
  program
    .command('migrate-keys')
    .description('rename the Redis keys of an earlier version (campaigns, queues, limiters) to the hash-tagged layout; stop every worker first')
    .option('--dry-run', 'count the keys to rename and delete, and change nothing')
    .option('--json', 'print JSON: { dryRun, renamed, deleted, skipped: [old keys whose new name is taken] }')
    .addHelpText(
      'after',
      `
This version names its keys with hash tags, so that it runs on a Redis Cluster. Campaigns, queued rows, schedules
and account caps of an earlier version are kept by renaming their keys; the limiters' own state is deleted and
rebuilt by the workers. Other commands refuse to run until this is done.

Examples:
  fleetcast migrate-keys --dry-run
  fleetcast migrate-keys
  fleetcast migrate-keys --prefix staging`,
    )
    .action(async (flags: MigrateKeysFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        // Not withStore: that refuses to run on keys of the old layout.
        const redis = await connectRedis(config.redis);
        try {
          const dryRun = flags.dryRun === true;
          const result = await migrateKeys(redis, config.prefix, { dryRun });
          if (json) printJson({ dryRun, ...result });
          else printResult(result, dryRun);
        } finally {
          await redis.quit().catch(() => redis.disconnect());
        }
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

function printResult(result: MigrationResult, dryRun: boolean): void {
  if (dryRun) {
    console.log(`would rename ${result.renamed} keys to the hash-tagged layout and delete ${result.deleted} limiter keys (rebuilt by the workers); nothing changed`);
  } else {
    console.log(`renamed ${result.renamed} keys to the hash-tagged layout, deleted ${result.deleted} limiter keys (rebuilt by the workers)`);
  }
  if (result.skipped.length === 0) return;
  console.log(`${result.skipped.length} keys ${dryRun ? 'would be' : 'were'} left as they are, their new name being taken:`);
  for (const key of result.skipped) console.log(`  ${key}`);
}
