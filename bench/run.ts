import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type BenchArgs } from './lib/args.js';
import type { BenchContext } from './lib/context.js';
import { medianOf, worstOf, type DispatchFigures } from './lib/figures.js';
import { checkGoals } from './lib/goals.js';
import { emulatorPriorityRaised } from './lib/emulator.js';
import { describeMachine } from './lib/machine.js';
import { medianOfComparisons } from './lib/pack-figures.js';
import { killAll } from './lib/proc.js';
import { openRedis } from './lib/redis.js';
import { renderReport, type BenchReport } from './lib/table.js';
import { severalAccounts } from './suites/accounts.js';
import { BASELINE_NAMES, baselineDispatch } from './suites/baselines.js';
import { CLUSTER_SHAPE, clusterRatio, killClusterNodes, openClusterTarget, type ClusterComparison, type ClusterTarget } from './suites/cluster.js';
import { fleetcastDispatch } from './suites/dispatch.js';
import { ingest } from './suites/ingest.js';
import { packBesidePlain } from './suites/pack.js';

/** Runs `run` once and returns its figures, or undefined after recording why it failed. */
async function once<T extends object>(context: BenchContext, label: string, rep: number, errors: string[], run: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  try {
    const result = await run();
    context.log(`${label} ${rep + 1}/${context.args.reps} (${((performance.now() - started) / 1000).toFixed(1)} s): ${JSON.stringify(result)}`);
    return result;
  } catch (error) {
    errors.push(`${label} rep ${rep + 1}: ${error instanceof Error ? error.message : String(error)}`);
    context.log(`${label} ${rep + 1}/${context.args.reps} failed: ${errors[errors.length - 1] ?? ''}`);
    return undefined;
  }
}

/** Runs `run` `reps` times and returns the figures of the repetitions that ran, recording why any failed. */
async function repeated<T extends object>(context: BenchContext, label: string, errors: string[], run: (rep: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let rep = 0; rep < context.args.reps; rep++) {
    const result = await once(context, label, rep, errors, () => run(rep));
    if (result !== undefined) results.push(result);
  }
  return results;
}

/**
 * fleetcast's dispatch on the single node and on a Redis Cluster, one repetition of each in turn; which goes first
 * alternates, so that neither always meets the machine as the other left it. The single node's figures are also
 * the dispatch suite's, as without --redis-cluster.
 */
async function dispatchBesideCluster(context: BenchContext, report: BenchReport): Promise<void> {
  const errors = report.errors;
  let cluster: ClusterTarget;
  try {
    cluster = await openClusterTarget();
  } catch (error) {
    errors.push(`Redis Cluster: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const comparison: ClusterComparison = { ...CLUSTER_SHAPE, nodes: cluster.setup.nodes.length };
  report.redisCluster = comparison;
  context.log(`Redis Cluster: ${cluster.setup.nodes.length} nodes (masters first) ${cluster.setup.clusterNodes}`);
  const singleRuns: DispatchFigures[] = [];
  const clusterRuns: DispatchFigures[] = [];
  try {
    for (let rep = 0; rep < context.args.reps; rep++) {
      const onSingle = async (): Promise<void> => {
        const figures = await once(context, 'dispatch fleetcast', rep, errors, () => fleetcastDispatch(context));
        if (figures) singleRuns.push(figures);
      };
      const onCluster = async (): Promise<void> => {
        const label = 'dispatch fleetcast on the Redis Cluster';
        const figures = await once(context, label, rep, errors, () => fleetcastDispatch(context, cluster, label));
        if (!figures) return;
        clusterRuns.push(figures);
        context.log(`  its Redis CPU by node, µs/message: ${cluster.lastSpanByNode().map((us) => (us / figures.rows).toFixed(1)).join(' ')}`);
      };
      for (const run of rep % 2 === 0 ? [onSingle, onCluster] : [onCluster, onSingle]) await run();
    }
  } finally {
    await cluster.close();
  }
  report.dispatch = medianOrNone(singleRuns);
  if (singleRuns.length > 0) report.dispatchWorst = worstOf(singleRuns);
  comparison.single = report.dispatch;
  comparison.singleWorst = report.dispatchWorst;
  comparison.cluster = medianOrNone(clusterRuns);
  if (clusterRuns.length > 0) comparison.clusterWorst = worstOf(clusterRuns);
  if (comparison.single && comparison.cluster) comparison.ratio = clusterRatio(comparison.single, comparison.cluster);
}

function medianOrNone<T extends object>(runs: readonly T[]): T | undefined {
  return runs.length === 0 ? undefined : medianOf(runs);
}

function wants(args: BenchArgs, suite: string): boolean {
  return args.only.size === 0 || args.only.has(suite);
}

async function runSuites(context: BenchContext, report: BenchReport): Promise<void> {
  const { args } = context;
  const errors = report.errors;
  if (wants(args, 'dispatch') && args.redisCluster) await dispatchBesideCluster(context, report);
  else if (wants(args, 'dispatch')) {
    const runs = await repeated(context, 'dispatch fleetcast', errors, () => fleetcastDispatch(context));
    report.dispatch = medianOrNone(runs);
    if (runs.length > 0) report.dispatchWorst = worstOf(runs);
  }
  const baselines = BASELINE_NAMES.filter((name) => wants(args, 'baselines') || args.only.has(name));
  if (baselines.length > 0) {
    report.baselines = {};
    for (const name of baselines) {
      const figures = medianOrNone(await repeated(context, `dispatch ${name}`, errors, () => baselineDispatch(context, name)));
      if (figures) report.baselines[name] = figures;
    }
  }
  if (wants(args, 'ingest')) report.ingest = medianOrNone(await repeated(context, 'ingest', errors, (rep) => ingest(context, rep)));
  if (wants(args, 'accounts')) report.accounts = medianOrNone(await repeated(context, 'accounts', errors, (rep) => severalAccounts(context, rep)));
  if (wants(args, 'pack')) await packSuite(context, report);
}

/** `--pack` beside Pub alone; no figure at all when a repetition failed, since a run that lost rows says nothing. */
async function packSuite(context: BenchContext, report: BenchReport): Promise<void> {
  const errorsBefore = report.errors.length;
  const runs = await repeated(context, 'pack', report.errors, (rep) => packBesidePlain(context, rep));
  if (runs.length === context.args.reps) report.pack = medianOfComparisons(runs);
  else context.note(`pack: no figures, ${report.errors.length - errorsBefore} of ${context.args.reps} repetition(s) failed (see Errors)`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-bench-'));
  const redis = await openRedis();
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const report: BenchReport = {
    machine: describeMachine(redis.version, redis.private),
    reps: args.reps,
    quick: args.quick,
    workers: args.workers,
    endpoint: args.endpoint,
    seconds: 0,
    loadAverageAtEnd: [],
    goals: [],
    notes: [],
    errors: [],
  };
  try {
    const note = (line: string): void => {
      report.notes.push(line);
      log(line);
    };
    if (args.workers !== 2 || args.endpoint.qps !== 1600 || args.endpoint.latencyMs !== 20 || args.endpoint.faults) {
      note('the goals are set for the default run (2 workers, a 1,600/s endpoint at ~20 ms without faults); utilization is reckoned against 1,600/s');
    }
    await runSuites({ args, redis, dir, log, note }, report);
    report.endpoint = { ...args.endpoint, priorityRaised: emulatorPriorityRaised };
  } finally {
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (performance.now() - started) / 1000;
  report.loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
  report.goals = checkGoals(report);
  console.log(args.json ? JSON.stringify(report) : renderReport(report));
  process.exitCode = report.errors.length > 0 ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    killClusterNodes();
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  killAll();
  killClusterNodes();
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
