import { defineConfig } from 'vitest/config';

/**
 * Files whose assertions hold without the machine to themselves (no sliding-second counts, rates or timers that a
 * busy CPU would upset) run two at a time first; then every other file runs alone, one after another, in one child
 * process (a project cannot set fileParallelism in this vitest; singleFork keeps its files in order, each isolated).
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
];

const common = { globalSetup: ['test/global-setup.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'shared', include: SHARED_MACHINE, sequence: { groupOrder: 0 } } },
      { test: { ...common, name: 'alone', include: ['test/**/*.test.ts'], exclude: SHARED_MACHINE, poolOptions: { forks: { singleFork: true } }, sequence: { groupOrder: 1 } } },
    ],
  },
});
