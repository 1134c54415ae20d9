import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_DIR } from './grafana-files.js';

const available = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!available) console.warn('promtool not found: skipping the Prometheus config and rule checks (apt-get install prometheus; CI installs it)');

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!available)('Prometheus config and alert rules (promtool)', () => {
  it('the config is valid and loads the rules', () => {
    const result = promtool('check', 'config', 'prometheus.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.status, result.output).toBe(0);
  });

  it('the rules are valid', () => {
    const result = promtool('check', 'rules', 'alerts.yml');
    expect(result.status, result.output).toBe(0);
  });

  it('every alert fires when it should and stays quiet otherwise', () => {
    const result = promtool('test', 'rules', 'alerts.test.yml');
    expect(result.status, result.output).toBe(0);
  });
});
