import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository's top directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROMETHEUS_DIR = `${ROOT}grafana/prometheus`;
export const DASHBOARD_FILE = `${ROOT}grafana/dashboards/fleetcast.json`;

/** What fleetcast exports (the contract), beside prom-client's default process metrics. */
export const CONTRACT_METRICS: Readonly<Record<string, string>> = {
  fleetcast_pub_requests_total: 'counter',
  fleetcast_deliveries_total: 'counter',
  fleetcast_packs_split_total: 'counter',
  fleetcast_pub_duration_seconds: 'histogram',
  fleetcast_messages_total: 'counter',
  fleetcast_retries_total: 'counter',
  fleetcast_throttled_total: 'counter',
  fleetcast_limiter_rate: 'gauge',
  fleetcast_limiter_cap: 'gauge',
  fleetcast_limiter_guard_ratio: 'gauge',
  fleetcast_limiter_tokens_dropped_total: 'counter',
  fleetcast_queue_jobs: 'gauge',
  fleetcast_campaign_rows: 'gauge',
  fleetcast_campaign_rate_limit: 'gauge',
  fleetcast_campaign_abort_fired: 'gauge',
  fleetcast_ingest_rows_total: 'counter',
};

export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface DashboardJson {
  panels: Array<{ title: string; targets?: Array<{ refId: string; expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string; query: string | { query: string } }> };
}

export function readDashboard(): DashboardJson {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as DashboardJson;
}

/** Every query of every panel. */
export function panelQueries(dashboard: DashboardJson = readDashboard()): PanelQuery[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr })));
}

/** The template variables' queries (`label_values(...)`). */
export function variableQueries(dashboard: DashboardJson = readDashboard()): Array<{ name: string; query: string }> {
  return dashboard.templating.list.map((variable) => ({
    name: variable.name,
    query: typeof variable.query === 'string' ? variable.query : variable.query.query,
  }));
}

/** Replaces Grafana's variables as Grafana would for a 1-minute rate interval. */
export function substitute(expr: string, variables: Readonly<Record<string, string>>): string {
  let text = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '5m');
  for (const [name, value] of Object.entries(variables)) text = text.replaceAll(`$${name}`, value);
  return text;
}

/** Every alert rule's expression. */
export function alertExpressions(): Array<{ alert: string; expr: string }> {
  const rules = parse(readFileSync(`${PROMETHEUS_DIR}/alerts.yml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return rules.groups.flatMap((group) => group.rules.map((rule) => ({ alert: rule.alert, expr: rule.expr })));
}
