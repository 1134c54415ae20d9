/** What `npm run bench -- …` asks for. */
export interface BenchArgs {
  readonly json: boolean;
  readonly quick: boolean;
  readonly large: boolean;
  readonly reps: number;
  /** Rows of each fleetcast dispatch run. */
  readonly rows: number;
  /** Rows of each baseline run (smaller: the baselines that overrun the quota take far longer per row). */
  readonly baselineRows: number;
  /** Rows of the generated ingest file. */
  readonly ingestRows: number;
  /** Rows of the same-payload campaign of the pack suite (`--rows` sets it too). */
  readonly packRows: number;
  /** Rows per account in the several-accounts run. */
  readonly accountRows: number;
  /** Suites to run; all when empty. */
  readonly only: ReadonlySet<string>;
  /** fleetcast worker processes of the dispatch run. */
  readonly workers: number;
  /** The endpoint of the dispatch and baseline runs. */
  readonly endpoint: EndpointSettings;
  /** fleetcast's dispatch runs on a 3-master Redis Cluster too, repetitions alternating with the single node. */
  readonly redisCluster: boolean;
}

/** How the emulator behaves in the dispatch and baseline runs (fleetcast's own cap stays 1,600/s). */
export interface EndpointSettings {
  /** Its sliding-second quota: below 1,600 it squeezes fleetcast, as other software using the account would. */
  readonly qps: number;
  /** Mean added latency, ms (uniform 0.5×..1.5×). */
  readonly latencyMs: number;
  /** 5 % Throttling.User, 3 % iot.system.SystemException, 2 % HTTP 503, 1 % connection reset after delivery. */
  readonly faults: boolean;
}

export const SUITES = ['dispatch', 'baselines', 'ingest', 'accounts', 'pack'] as const;
/** Single baselines may also be named in `--only`. */
export const BASELINE_NAMES = ['sdk-plain', 'bullmq-limiter', 'bottleneck-local'] as const;

const USAGE = `usage: npm run bench -- [--json] [--quick] [--large] [--reps N] [--rows N] [--baseline-rows N] [--workers N] [--latency-ms N] [--endpoint-qps N] [--faults] [--redis-cluster] [--only ${[...SUITES, ...BASELINE_NAMES].join(',')}]`;
const VALUE_FLAGS = ['--reps', '--rows', '--baseline-rows', '--workers', '--latency-ms', '--endpoint-qps', '--only'];
const SWITCHES = ['--json', '--quick', '--large', '--faults', '--redis-cluster', '--help'];

export function parseArgs(argv: readonly string[]): BenchArgs {
  const flags = new Set(argv.filter((arg) => SWITCHES.includes(arg)));
  if (flags.has('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = flags.has('--quick');
  const large = flags.has('--large');
  const reps = intValue(argv, '--reps') ?? (quick ? 1 : 3);
  const givenRows = intValue(argv, '--rows');
  const rows = givenRows ?? (quick ? 8_000 : 100_000);
  const baselineRows = intValue(argv, '--baseline-rows') ?? (quick ? 8_000 : 30_000);
  const only = new Set((value(argv, '--only') ?? '').split(',').filter((name) => name !== ''));
  const known: readonly string[] = [...SUITES, ...BASELINE_NAMES];
  for (const name of only) if (!known.includes(name)) fail(`unknown suite "${name}"`);
  const redisCluster = flags.has('--redis-cluster');
  if (redisCluster && only.size > 0 && !only.has('dispatch')) fail('--redis-cluster compares the dispatch suite: add dispatch to --only');
  checkUnknown(argv);
  return {
    json: flags.has('--json'),
    quick,
    large,
    reps,
    rows,
    baselineRows,
    ingestRows: large ? 10_000_000 : quick ? 50_000 : 1_000_000,
    packRows: givenRows ?? (quick ? 20_000 : 100_000),
    accountRows: quick ? 5_000 : 24_000,
    only,
    workers: intValue(argv, '--workers') ?? 2,
    endpoint: {
      qps: intValue(argv, '--endpoint-qps') ?? 1600,
      latencyMs: intValue(argv, '--latency-ms') ?? 20,
      faults: flags.has('--faults'),
    },
    redisCluster,
  };
}

function value(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const raw = argv[index + 1];
  if (raw === undefined) fail(`${name} needs a value`);
  return raw;
}

function intValue(argv: readonly string[], name: string): number | undefined {
  const raw = value(argv, name);
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1) fail(`${name} must be a positive integer (got "${raw}")`);
  return parsed;
}

function checkUnknown(argv: readonly string[]): void {
  const known = new Set([...SWITCHES, ...VALUE_FLAGS]);
  argv.forEach((arg, index) => {
    const takesValue = VALUE_FLAGS.includes(argv[index - 1] ?? '');
    if (!takesValue && !known.has(arg)) fail(`unknown argument "${arg}"`);
  });
}

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}
