import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeWithTool } from '../helpers/tools.js';
import { PROMETHEUS_DIR } from './grafana-files.js';

const available = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithTool('promtool', available ? 'promtool' : undefined, 'Prometheus config and alert rules (promtool)', () => {
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
