import type { CampaignSummary } from '../campaign-summary.js';
import type { CampaignLine } from '../console-reader.js';
import { html, type SafeHtml } from '../html.js';
import { progressBar } from './charts.js';
import { time } from './layout.js';

export function campaignHref(id: string): string {
  return `/campaigns/${encodeURIComponent(id)}`;
}

/** `42.5/s of 1600/s`: the rate now against the limit that holds the campaign; the mean rate when not sampled. */
export function rateText(line: CampaignLine): string {
  if (line.rateNow === null) return `${line.summary.ratePerSec}/s mean`;
  return line.limit === null ? `${line.rateNow}/s` : `${line.rateNow}/s of ${line.limit}/s`;
}

/** `canary: 50 of 50 rows final`, `ramp step 2 (200/s)`, `all rows`. */
export function rolloutText(summary: CampaignSummary): string {
  const { rollout } = summary;
  const parts: string[] = [];
  if (rollout.canary !== null) parts.push(`${rollout.stage}: ${rollout.canary.done} of ${rollout.canary.rows} canary rows final`);
  else parts.push(rollout.stage === 'all' ? 'all rows' : rollout.stage);
  if (rollout.ramp !== null) parts.push(`ramp step ${rollout.step ?? 0} (${rollout.rate ?? '-'}/s)`);
  if (rollout.fired !== null) parts.push(rollout.fired.text);
  return parts.join('; ');
}

export function scheduleText(summary: CampaignSummary): string {
  const parts: string[] = [];
  if (summary.startAt !== null) parts.push(`starts ${time(summary.startAt)}`);
  if (summary.window !== null) parts.push(`window ${summary.window}`);
  return parts.length === 0 ? '-' : parts.join('; ');
}

function row(line: CampaignLine): SafeHtml {
  const s = line.summary;
  return html`<tr data-campaign="${s.id}">
<td><a href="${campaignHref(s.id)}">${s.name}</a>${s.name === s.id ? null : html`<div class="muted">${s.id}</div>`}</td>
<td class="state">${s.stateText}</td>
<td>${progressBar(s)}<div class="legend muted"><span class="key-sent" data-count="sent">${s.sent}</span> / <span class="key-failed" data-count="failed">${s.failed}</span> / <span class="key-cancelled" data-count="cancelled">${s.cancelled}</span> / <span data-count="remaining">${s.remaining}</span> of ${s.rows}</div></td>
<td class="num">${rateText(line)}</td>
<td class="num">${s.etaText}</td>
<td>${rolloutText(s)}</td>
<td>${scheduleText(s)}</td>
</tr>`;
}

export function campaignsLive(lines: readonly CampaignLine[]): SafeHtml {
  if (lines.length === 0) return html`<h1>Campaigns</h1><p class="muted">No campaigns under this prefix yet: <code>fleetcast submit FILE</code> makes one.</p>`;
  return html`<h1>Campaigns</h1>
<table><thead><tr><th>campaign</th><th>state</th><th>sent / failed / cancelled / remaining</th><th>rate now</th><th>ETA</th><th>rollout</th><th>schedule or window</th></tr></thead>
<tbody>${lines.map(row)}</tbody></table>`;
}
