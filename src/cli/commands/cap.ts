import type { Command } from 'commander';
import type { RedisClient } from '../../redis/client.js';
import type { FleetcastConfig } from '../../config/config.js';
import { FleetcastError } from '../../errors/fleetcast-error.js';
import { accountIdOf } from '../../limiter/account-id.js';
import { accountKeys, listCapAccounts, readAccountCap, setCap, type AccountCapView } from '../../limiter/shared-cap.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson, printTable } from '../output.js';
import { positiveNumber } from '../parse.js';
import { guardPercent } from '../../view/account-cap.js';

interface CapFlags extends GlobalFlags {
  set?: number;
}

export function registerCapCommand(program: Command): void {
  program
    .command('cap')
    .argument('[account]', 'account id as `fleetcast cap` lists it, or the AccessKey id (default: every account; with --set, the configured one)')
    .description("show each account's shared cap, its current adaptive rate, the share of it kept unused for timing (guard) and the workers using it; --set changes the cap live")
    .option('--set <qps>', 'change the cap for every worker within a second, without a restart (lowering applies at once, raising never bursts)', positiveNumber('--set', 1, 100_000))
    .option('--json', 'print JSON: { accounts: [{ account, cap, rate, setAt, setBy, workers: [{ host, pid, startedWith, seenAt }] }] }')
    .addHelpText(
      'after',
      `
Every worker of an account follows the one cap stored with the account's limiter in Redis. FLEETCAST_RATE only
seeds it when none is stored; a worker started with another value says so in its log and follows the stored cap.

Examples:
  fleetcast cap
  fleetcast cap --set 800          # another system of the account needs room: every worker slows within a second
  fleetcast cap --set 1600 --json  # and back`,
    )
    .action(async (account: string | undefined, flags: CapFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        await withStore(config, async (_store, redis) => {
          if (flags.set !== undefined) await changeCap(redis, config, account, flags.set, json);
          else await showCaps(redis, config.prefix, account, json);
        });
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

async function showCaps(redis: RedisClient, prefix: string, account: string | undefined, json: boolean): Promise<void> {
  const known = await listCapAccounts(redis, prefix);
  const accounts = account === undefined ? known : [resolveAccount(account, known)];
  const views = (await Promise.all(accounts.map((id) => readAccountCap(redis, prefix, id)))).filter((view) => view !== undefined);
  if (json) {
    printJson({ accounts: views.map(capJson) });
    return;
  }
  if (views.length === 0) {
    console.log('no account has a stored cap yet: the first worker stores its FLEETCAST_RATE');
    return;
  }
  printTable(views.map(capRow), ['account', 'cap', 'rate', 'guard', 'set', 'workers']);
  for (const view of views) {
    for (const worker of view.workers) console.log(`  ${view.account}  ${worker.host} pid ${worker.pid}, started with FLEETCAST_RATE=${worker.startedWith}`);
  }
}

async function changeCap(redis: RedisClient, config: FleetcastConfig, account: string | undefined, cap: number, json: boolean): Promise<void> {
  const known = await listCapAccounts(redis, config.prefix);
  const id = account === undefined ? defaultAccount(config, known) : resolveAccount(account, known, true);
  const old = await setCap(redis, accountKeys(config.prefix, id), cap);
  const view = await readAccountCap(redis, config.prefix, id);
  if (json) printJson({ accounts: view === undefined ? [] : [capJson(view)], previousCap: old });
  else console.log(`account ${id}: cap ${old} → ${cap} calls/s; ${view?.workers.length ?? 0} running workers follow it within a second`);
}

/** An account id as listed, or the id of an AccessKey id; with `allowNew`, an AccessKey id not yet stored. */
function resolveAccount(given: string, known: readonly string[], allowNew = false): string {
  if (known.includes(given)) return given;
  const hashed = accountIdOf(given);
  if (known.includes(hashed) || allowNew) return hashed;
  throw new FleetcastError('FC_BAD_USAGE', `no account ${given} has a stored cap${known.length === 0 ? '' : `; accounts: ${known.join(', ')}`}`);
}

/** The account of the configured AccessKey, else the only account stored. */
function defaultAccount(config: FleetcastConfig, known: readonly string[]): string {
  if (config.accessKeyId !== undefined) return accountIdOf(config.accessKeyId);
  const [only, ...others] = known;
  if (only !== undefined && others.length === 0) return only;
  throw new FleetcastError(
    'FC_BAD_USAGE',
    known.length === 0
      ? 'no account has a stored cap: name one (its AccessKey id) or set ALIBABA_CLOUD_ACCESS_KEY_ID'
      : `several accounts have a stored cap: name one of ${known.join(', ')}`,
  );
}

function capRow(view: AccountCapView): Record<string, string | number> {
  return {
    account: view.account,
    cap: `${view.cap}/s`,
    rate: `${round(view.rate)}/s`,
    guard: guardText(view.guard),
    set: view.setAt === undefined ? '-' : `${new Date(view.setAt).toISOString()} (${view.setBy ?? '?'})`,
    workers: view.workers.length,
  };
}

function capJson(view: AccountCapView): Record<string, unknown> {
  return {
    account: view.account,
    cap: view.cap,
    rate: round(view.rate),
    guard: view.guard ?? null,
    setAt: view.setAt === undefined ? null : new Date(view.setAt).toISOString(),
    setBy: view.setBy ?? null,
    workers: view.workers.map((worker) => ({ ...worker, seenAt: new Date(worker.seenAt).toISOString() })),
  };
}

/** The learned guard as a share of the rate, `-` before any worker learned it. */
function guardText(guard: number | undefined): string {
  return guard === undefined ? '-' : guardPercent(guard);
}

function round(rate: number): number {
  return Math.round(rate * 10) / 10;
}
