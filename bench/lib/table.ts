import type { AccountsFigures, DispatchFigures, DispatchWorst, IngestFigures } from './figures.js';
import type { GoalCheck } from './goals.js';
import type { EndpointSettings } from './args.js';
import type { Machine } from './machine.js';
import type { PackFigures, PackRunFigures } from './pack-figures.js';
import type { ClusterComparison } from '../suites/cluster.js';

/** Everything one `npm run bench` measured (medians over the repetitions). */
export interface BenchReport {
  machine: Machine;
  reps: number;
  quick: boolean;
  /** fleetcast worker processes in the dispatch run. */
  workers: number;
  endpoint: EndpointSettings & { priorityRaised?: boolean };
  seconds: number;
  loadAverageAtEnd: number[];
  dispatch?: DispatchFigures;
  /** fleetcast's worst repetition: lowest utilization, highest maxPer1s and throttled. */
  dispatchWorst?: DispatchWorst;
  baselines?: Record<string, DispatchFigures>;
  ingest?: IngestFigures;
  accounts?: AccountsFigures;
  /** A same-payload campaign with `--pack` beside Pub alone. */
  pack?: PackFigures;
  /** With --redis-cluster: fleetcast's dispatch on the single node (= dispatch) and on a Redis Cluster, side by side. */
  redisCluster?: ClusterComparison;
  goals: GoalCheck[];
  notes: string[];
  errors: string[];
}

function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function dispatchRows(report: BenchReport): string[][] {
  const setups: [string, DispatchFigures | undefined][] = [['fleetcast', report.dispatch], ...Object.entries(report.baselines ?? {})];
  return setups
    .filter((entry): entry is [string, DispatchFigures] => entry[1] !== undefined)
    .map(([name, f]) => [
      name,
      fmt(f.rows),
      fmt(f.utilization, 4),
      fmt(f.maxPer1s),
      fmt(f.throttled),
      fmt(f.cpuUsPerMessage),
      fmt(f.redisCpuUsPerMessage),
      fmt(f.p50LatencyMs, 1),
      fmt(f.p99LatencyMs, 1),
      fmt(f.seconds, 1),
      fmt(f.tokensDroppedPer100kRows),
      fmt(f.guardEnd, 4),
    ]);
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `fleetcast bench — ${m.nproc} cores (${m.cpu}), ${m.memoryGb} GB, Node ${m.node}, Redis ${m.redis}${m.privateRedis ? ' (private)' : ''}, code ${m.commit}; medians of ${report.reps} rep(s)${report.quick ? ', --quick' : ''}; ${fmt(report.seconds)} s; load ${m.loadAverageAtStart.join(' ')} → ${report.loadAverageAtEnd.join(' ')}`,
  ];
  const dispatch = dispatchRows(report);
  if (dispatch.length > 0) {
    parts.push(
      `\nDispatch at the cap (${endpointText(report)})\n${renderTable(
        ['setup', 'rows', 'utilization', 'maxPer1s', 'throttled', 'cpu µs/msg', 'redis µs/msg', 'p50 ms', 'p99 ms', 'seconds', 'dropped/100k', 'guard'],
        dispatch,
      )}`,
    );
  }
  if (report.dispatchWorst) {
    const w = report.dispatchWorst;
    parts.push(`fleetcast's worst repetition: utilization ${fmt(w.utilization, 4)}, maxPer1s ${fmt(w.maxPer1s)}, throttled ${fmt(w.throttled)}`);
  }
  if (report.redisCluster) parts.push(clusterSection(report.redisCluster, report.reps));
  if (report.ingest) {
    const i = report.ingest;
    parts.push(`\nIngest: ${fmt(i.rows)} rows in ${fmt(i.seconds, 1)} s = ${fmt(i.rowsPerSec)} rows/s, peak RSS ${fmt(i.peakRssMb, 1)} MB, Redis ${fmt(i.redisBytesPerRow)} bytes/row`);
    parts.push(
      `Same file: csv-parse alone ${fmt(i.csvParseRowsPerSec)} rows/s (${fmt(i.csvParseRowsPerCpuSec)} per CPU-second), fleetcast validate ${fmt(i.validateRowsPerSec)} rows/s (${fmt(i.validateRowsPerCpuSec)} per CPU-second) = ${fmt(i.validateShareOfCsvParse * 100, 1)} % of csv-parse alone per CPU-second (${fmt((i.validateRowsPerSec / i.csvParseRowsPerSec) * 100, 1)} % by wall time)`,
    );
  }
  if (report.accounts) {
    const a = report.accounts;
    parts.push(`\nSeveral accounts: ${a.accounts} accounts, ${fmt(a.rows)} rows, ${fmt(a.totalPerSec)} calls/s total, ${fmt(a.cpuUsPerMessage)} µs CPU + ${fmt(a.redisCpuUsPerMessage)} µs Redis per message`);
  }
  if (report.pack) parts.push(packSection(report.pack, report.reps, report.workers));
  if (report.goals.length > 0) {
    const rows = report.goals.map((goal) => [goal.goal, fmt(goal.figure, goalDigits(goal.figure)), goal.met ? '✓' : '✗']);
    parts.push(`\nGoals\n${renderTable(['goal', 'figure', ''], rows)}`);
  }
  if (report.notes.length > 0) parts.push(`\nNotes:\n  ${report.notes.join('\n  ')}`);
  if (report.errors.length > 0) parts.push(`\nErrors:\n  ${report.errors.join('\n  ')}`);
  return parts.join('\n');
}

function clusterSection(c: ClusterComparison, reps: number): string {
  const figures = (name: string, f: DispatchFigures | undefined, w: DispatchWorst | undefined): string[] => [
    name,
    fmt(f?.rows),
    fmt(f?.utilization, 4),
    fmt(f?.throttled),
    fmt(f?.maxPer1s),
    fmt(f?.cpuUsPerMessage),
    fmt(f?.redisCpuUsPerMessage),
    fmt(f?.seconds, 1),
    fmt(f?.tokensDroppedPer100kRows),
    fmt(f?.guardEnd, 4),
    w ? `${fmt(w.utilization, 4)} / ${fmt(w.throttled)} / ${fmt(w.maxPer1s)}` : 'n/a',
  ];
  const r = c.ratio;
  const ratio = ['cluster / single', '', fmt(r?.utilization, 4), fmt(r?.throttled, 2), fmt(r?.maxPer1s, 4), fmt(r?.cpuUsPerMessage, 2), fmt(r?.redisCpuUsPerMessage, 2), '', '', '', ''];
  const title = `\nfleetcast on a Redis Cluster beside the single node (${c.masters} masters × ${c.replicasPerMaster} replica(s) = ${c.nodes} nodes, Redis CPU summed over all of them; ${reps} rep(s) of each, alternating)`;
  return `${title}\n${renderTable(
    ['Redis', 'rows', 'utilization', 'throttled', 'maxPer1s', 'cpu µs/msg', 'redis µs/msg', 'seconds', 'dropped/100k', 'guard', 'worst: util / thr / max1s'],
    [figures('single node', c.single, c.singleWorst), figures('cluster', c.cluster, c.clusterWorst), ratio],
  )}`;
}

function packSection(p: PackFigures, reps: number, workers: number): string {
  const figures = (name: string, f: PackRunFigures): string[] => [
    name,
    fmt(f.rows),
    fmt(f.sentBatchPub),
    fmt(f.deliveries),
    fmt(f.deliveriesPerSec),
    fmt(f.steadyDeliveriesPerSec),
    fmt(f.pubCalls),
    fmt(f.batchPubCalls),
    fmt(f.throttled),
    fmt(f.cpuUsPerRow),
    fmt(f.seconds, 1),
  ];
  const ratio = ['--pack / Pub alone', '', '', '', fmt(p.ratio, 2), fmt(p.steadyRatio, 2), '', '', '', '', ''];
  const title = `\nOne payload to every device (emulator quotas 1,600 Pub + 50 BatchPub calls/s, ~20 ms latency, so at most 6,600 deliveries/s with --pack (BatchPub 5,000 and Pub 1,600 side by side) and 1,600 without, 4.13×; fleetcast with ${workers} workers; ${reps} rep(s) of each, alternating)`;
  return `${title}\n${renderTable(
    ['submit', 'rows sent', 'by BatchPub', 'deliveries', 'deliveries/s', 'steady deliv./s', 'Pub calls', 'BatchPub calls', 'throttled', 'cpu µs/row', 'seconds'],
    [figures('--pack', p.packed), figures('Pub alone', p.plain), ratio],
  )}`;
}

function goalDigits(value: number | null): number {
  if (value === null || Number.isInteger(value)) return 0;
  return Math.abs(value) < 10 ? 4 : 0;
}

function endpointText(report: BenchReport): string {
  const { qps, latencyMs, faults } = report.endpoint;
  const faultText = faults ? ', faults 5 % throttle / 3 % system error / 2 % 503 / 1 % reset' : '';
  const priority = report.endpoint.priorityRaised ? ', emulator at nice -10' : ', emulator at normal priority';
  return `fleetcast cap 1,600/s, endpoint quota ${fmt(qps)}/s over a sliding second, ~${latencyMs} ms latency${faultText}${priority}; fleetcast with ${report.workers} workers`;
}
