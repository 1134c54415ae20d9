import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Two projects. `shared`: files whose assertions hold without the machine to themselves (no sliding-second counts,
 * rates or timers that a busy CPU would upset), three at a time (they wait more than they compute). `alone`: every other file, one after another, each in
 * a fresh process (the emulator runs in the test's process: one that carried the heap of earlier files paused
 * longer and bunched the calls it counted). A project cannot set fileParallelism in this vitest, so `npm test` runs
 * them as two invocations: `vitest run --project shared`, then `vitest run --project alone --no-file-parallelism`.
 * Files that only wait (a canary's hold, a frozen worker, a cron firing, the demo's fleet) and count rows rather than
 * calls per second run in the shared pass.
 */
const SHARED_MACHINE = [
  'test/unit/**/*.test.ts',
  'test/campaign/**/*.test.ts',
  'test/emulator/broken-answers.test.ts',
  'test/emulator/cli.test.ts',
  'test/emulator/delivery.test.ts',
  'test/emulator/device-faults.test.ts',
  'test/emulator/embedded-broker.test.ts',
  'test/emulator/errors.test.ts',
  'test/emulator/faults.test.ts',
  'test/emulator/internals.test.ts',
  'test/emulator/sdk.test.ts',
  'test/emulator/signatures.test.ts',
  'test/observability/**/*.test.ts',
  'test/operator/cli-surface.test.ts',
  'test/operator/status-detail.test.ts',
  'test/operator/report-resubmit.test.ts',
  'test/operator/retry-failed.test.ts',
  'test/operator/queue-ui.test.ts',
  'test/operator/schedule-abort.test.ts',
  'test/pipeline/bad-input.test.ts',
  'test/pipeline/skip-invalid-rejects.test.ts',
  'test/pipeline/error-text.test.ts',
  'test/operator/migrate-keys.test.ts',
  'test/redis/cluster-helper.test.ts',
  'test/dispatch/cluster-operations.test.ts',
  'test/dispatch/redis-outage.test.ts',
  'test/operator/schedule-cron.test.ts',
  'test/console/**/*.test.ts',
  'test/dispatch/batch-pub-packing.test.ts',
  'test/operator/ramp-flags.test.ts',
  'test/dispatch/canary.test.ts',
  'test/dispatch/limiter-recovery.test.ts',
  'test/dispatch/row-dispatch.test.ts',
  'test/pipeline/demo.test.ts',
  'test/pipeline/demo-fleet.test.ts',
  'test/operator/plan.test.ts',
];

/**
 * The longest files of the shared pass, longest first. Without a cache of earlier runs (a fresh clone) vitest starts
 * the largest files first, and a short file that waits long (a frozen worker, the demo's 20,000 devices) started
 * last kept the pass running alone at its end.
 */
const LONGEST_FIRST = [
  'test/pipeline/error-text.test.ts',
  'test/pipeline/demo-fleet.test.ts',
  'test/dispatch/cluster-operations.test.ts',
  'test/dispatch/batch-pub-packing.test.ts',
  'test/dispatch/limiter-recovery.test.ts',
  'test/dispatch/canary.test.ts',
  'test/operator/ramp-flags.test.ts',
  'test/operator/schedule-cron.test.ts',
  'test/operator/retry-failed.test.ts',
  'test/emulator/embedded-broker.test.ts',
  'test/operator/status-detail.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

const common = { globalSetup: ['test/global-setup.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { ...common, name: 'shared', include: SHARED_MACHINE, sequence: { groupOrder: 0 } } },
      { test: { ...common, name: 'alone', include: ['test/**/*.test.ts'], exclude: SHARED_MACHINE, sequence: { groupOrder: 1 } } },
    ],
  },
});
