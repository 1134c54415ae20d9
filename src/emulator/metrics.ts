import type { EmulatorStats } from './call-log.js';

/** Prometheus text exposition of the emulator's counters. */
export function renderMetrics(stats: EmulatorStats): string {
  const summary = stats.summary();
  const lines = [
    '# HELP fleetcast_emulator_requests_total Pub, BatchPub and PubBroadcast calls by action and answer code.',
    '# TYPE fleetcast_emulator_requests_total counter',
  ];
  for (const { action, code, count } of stats.requestCounts()) {
    lines.push(`fleetcast_emulator_requests_total{action="${label(action)}",code="${label(code)}"} ${count}`);
  }
  lines.push(
    '# HELP fleetcast_emulator_accepted_total Calls answered with Success true.',
    '# TYPE fleetcast_emulator_accepted_total counter',
    `fleetcast_emulator_accepted_total ${summary.accepted}`,
    '# HELP fleetcast_emulator_messages_delivered_total Messages put on the MQTT broker.',
    '# TYPE fleetcast_emulator_messages_delivered_total counter',
    `fleetcast_emulator_messages_delivered_total ${summary.delivered}`,
    '# HELP fleetcast_emulator_deliveries_total Messages put on the MQTT broker by action (a BatchPub puts one per device).',
    '# TYPE fleetcast_emulator_deliveries_total counter',
  );
  for (const { action, count } of stats.deliveryCounts()) {
    lines.push(`fleetcast_emulator_deliveries_total{action="${label(action)}"} ${count}`);
  }
  return `${lines.join('\n')}\n`;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
