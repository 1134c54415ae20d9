import { describe, it } from 'vitest';

/**
 * A `describe` for tests that need an outside tool (Chromium, promtool, prometheus). Where the tool is there,
 * the tests run. Where it is missing they are skipped with a warning on a developer's machine, and under
 * `CI=true` they fail: CI never passes by skipping them. `npm run test:all` installs every such tool first.
 */
export function describeWithTool(tool: string, path: string | undefined, title: string, body: () => void): void {
  if (path !== undefined) {
    describe(title, body);
    return;
  }
  const hint = `${tool} not found (npm run test:all installs it)`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${tool}`, () => {
        throw new Error(`${hint}; under CI=true a missing tool fails the suite`);
      });
    });
    return;
  }
  console.warn(`${hint}: skipping "${title}"`);
  describe.skip(title, body);
}
