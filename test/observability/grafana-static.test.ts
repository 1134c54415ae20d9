import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONTRACT_METRICS, PROMETHEUS_DIR, alertExpressions, panelQueries, readDashboard, variableQueries } from './grafana-files.js';
import { familyOf, metricNamesOf } from './promql-names.js';

/** Names allowed beside the contract: Prometheus' own `up` and prom-client's process metrics. */
const ALLOWED = new Set([...Object.keys(CONTRACT_METRICS), 'up', 'process_cpu_seconds_total', 'process_resident_memory_bytes']);

interface RuleTests {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe('dashboard and alert rules (static)', () => {
  it('is a Grafana dashboard on the prometheus datasource with the campaign variable', () => {
    const dashboard = readDashboard() as unknown as { schemaVersion: number; uid: string; panels: Array<{ datasource: { uid: string }; gridPos: object }> };
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toBe('fleetcast');
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('prometheus');
      expect(panel.gridPos).toBeDefined();
    }
    expect(variableQueries()).toEqual([{ name: 'campaign', query: 'label_values(fleetcast_campaign_rows, campaign)' }]);
  });

  it('every panel and rule queries only fleetcast metrics (and up)', () => {
    const used = [...panelQueries(), ...alertExpressions()].flatMap((query) => [...metricNamesOf(query.expr)]);
    const unknown = used.map((name) => familyOf(name, ALLOWED)).filter((name) => !ALLOWED.has(name));
    expect(unknown).toEqual([]);
    expect(new Set(used)).toContain('up');
  });

  it('has a firing and a quiet unit test for every alert', () => {
    const tests = parse(readFileSync(`${PROMETHEUS_DIR}/alerts.test.yml`, 'utf8')) as RuleTests;
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const { alert } of alertExpressions()) {
      const mine = cases.filter((test) => test.alertname === alert);
      expect(mine.some((test) => test.exp_alerts.length > 0), `${alert} fires in a test`).toBe(true);
      expect(mine.some((test) => test.exp_alerts.length === 0), `${alert} stays quiet in a test`).toBe(true);
    }
  });
});
