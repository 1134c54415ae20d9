import type { CampaignDetail, FileView } from '../console-reader.js';
import { html, type SafeHtml } from '../html.js';
import { chartTop, progressBar, rateChart } from './charts.js';
import { campaignHref, rateText, scheduleText } from './campaigns-page.js';
import { time } from './layout.js';

export const CAMPAIGN_ACTIONS = ['pause', 'resume', 'cancel', 'retry-failed'] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

/** States (as shown: a held running campaign shows `scheduled` or `waiting`) in which each action is offered. */
const OFFERED: Readonly<Record<CampaignAction, ReadonlySet<string>>> = {
  pause: new Set(['enqueuing', 'running', 'scheduled', 'waiting', 'canary']),
  resume: new Set(['paused', 'canary']),
  cancel: new Set(['enqueuing', 'running', 'scheduled', 'waiting', 'canary', 'paused']),
  'retry-failed': new Set(['running', 'scheduled', 'waiting', 'paused', 'finished']),
};

const CONFIRM: Partial<Record<CampaignAction, string>> = {
  cancel: 'Cancel this campaign? Its unsent rows end cancelled; this cannot be undone.',
};

function actions(detail: CampaignDetail, csrfToken: string | null): SafeHtml | null {
  if (csrfToken === null) return null;
  const s = detail.summary;
  const offered = CAMPAIGN_ACTIONS.filter((action) => OFFERED[action].has(s.state) && (action !== 'retry-failed' || s.failed > 0));
  if (offered.length === 0) return null;
  const forms = offered.map(
    (action) => html`<form method="post" action="${campaignHref(s.id)}/${action}" data-confirm="${CONFIRM[action] ?? ''}">
<input type="hidden" name="csrf" value="${csrfToken}"><button type="submit" class="${action === 'cancel' ? 'danger' : ''}">${action}</button></form>`,
  );
  return html`<div class="actions">${forms}</div>`;
}

function numbers(detail: CampaignDetail): SafeHtml {
  const s = detail.summary;
  const facts: Array<[string, string | number]> = [
    ['rows', s.rows],
    ['sent', s.sent],
    ['failed', s.failed],
    ['cancelled', s.cancelled],
    ['remaining', s.remaining],
    ['rate now', rateText(detail)],
    ['mean rate', `${s.ratePerSec}/s`],
    ['ETA', s.etaText],
    ['schedule or window', scheduleText(s)],
    ['created', time(s.createdAt)],
    ['finished', time(s.finishedAt)],
  ];
  return html`<dl class="facts">${facts.map(([name, value]) => html`<dt>${name}</dt><dd data-fact="${name}">${value}</dd>`)}</dl>`;
}

function chart(detail: CampaignDetail, now: number): SafeHtml {
  const own = detail.summary.rollout.rate;
  const peak = Math.max(0, ...detail.series.map((point) => point.perSecond));
  const cap = detail.accountCap;
  const legend = [
    `busiest second ${Math.round(peak)}/s`,
    cap === null ? 'no account cap stored yet' : `account cap ${cap}/s (${cap > chartTop(detail.series, own ?? cap) ? 'above the scale' : 'solid line'})`,
    own === null ? null : `campaign limit ${own}/s (dashed line)`,
  ].filter((part) => part !== null);
  // The span grows by whole minutes with the console's own history, up to what it keeps.
  const sampled = detail.series.length === 0 ? 0 : (now - (detail.series[0]?.t ?? now)) / 1000;
  const span = Math.min(detail.keepSeconds, Math.max(60, Math.ceil(sampled / 60) * 60));
  const minutes = span / 60;
  return html`<h2>Calls per second, last ${minutes === 1 ? 'minute' : `${minutes} minutes`}</h2>
${rateChart(detail.series, now, span, cap, own ?? cap)}
<p class="muted">${legend.join(' · ')}. Rows answered (sent or failed) each second, read by this console from the campaign's counters since it started; throttled attempts are not counted.</p>`;
}

function failures(detail: CampaignDetail): SafeHtml {
  if (detail.failures.length === 0) return html`<h2>Failures by code</h2><p class="muted">No failed rows.</p>`;
  const rows = detail.failures.map(
    (failure) =>
      html`<tr data-code="${failure.code}"><td><code>${failure.code}</code></td><td class="num">${failure.rows}</td><td>${failure.retryClass}</td><td>${failure.failureClass ?? '-'}</td><td>${failure.todo}</td></tr>`,
  );
  return html`<h2>Failures by code</h2><table><thead><tr><th>Code</th><th>rows</th><th>retry class</th><th>abort class</th><th>what to do</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function rollout(detail: CampaignDetail): SafeHtml {
  const { rollout: r } = detail.summary;
  const facts: Array<[string, string]> = [['stage', r.stage]];
  if (r.canary !== null) {
    const soak = r.canary.soakSeconds === null ? 'holds until resume' : `goes on by itself ${r.canary.soakSeconds}s after its last row${r.canary.continuesAt === null ? '' : ` (at ${time(r.canary.continuesAt)})`}`;
    facts.push(['canary', `${r.canary.done} of ${r.canary.rows} rows final; ${soak}`]);
  }
  if (r.ramp !== null) {
    const next = r.nextStepAt === null ? 'at its ceiling' : `next step at ${r.nextStepAt} ${r.ramp.on} (${r.ramp.counted} now)`;
    facts.push(['ramp', `step ${r.step ?? 0}: ${r.rate ?? '-'} calls/s; ${next}; from ${r.ramp.start}/s ×${r.ramp.factor} every ${r.ramp.every} ${r.ramp.on}`]);
  } else if (r.rate !== null) {
    facts.push(['limit', `${r.rate} calls/s (--rate)`]);
  }
  for (const rule of r.abort) facts.push(['abort rule', `${rule.rule} → ${r.abortAction}: ${rule.matching} of ${rule.final} final rows`]);
  if (r.abort.length === 0) facts.push(['abort rules', "none of its own (the workers' failure-share rule applies)"]);
  if (r.fired !== null) facts.push(['fired', r.fired.text]);
  const steps =
    detail.rampSteps.length === 0
      ? null
      : html`<table class="steps"><thead><tr><th>step</th><th>from rows counted</th><th>calls/s</th></tr></thead><tbody>${detail.rampSteps.map(
          (step) => html`<tr class="${step.step === r.step ? 'here' : ''}"><td class="num">${step.step}</td><td class="num">${step.from}</td><td class="num">${step.rate}</td></tr>`,
        )}</tbody></table>`;
  return html`<h2>Rollout</h2><dl class="facts">${facts.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>${steps}`;
}

function queue(detail: CampaignDetail): SafeHtml {
  const q = detail.queue;
  return html`<h2>Queue</h2><p>${q.workers} worker processes hold this campaign; chunks of up to 100 rows: ${q.active} in progress, ${q.waiting} waiting, ${q.delayed} delayed.</p>`;
}

/** The part of a campaign's page that follows it live. `csrfToken` null: read-only, no actions. */
export function campaignLive(detail: CampaignDetail, csrfToken: string | null, now: number): SafeHtml {
  const s = detail.summary;
  return html`<h1>${s.name}${s.name === s.id ? null : html` <span class="muted">(${s.id})</span>`}</h1>
<p>state <span class="state" data-state="${s.state}">${s.stateText}</span></p>
${progressBar(s)}
${actions(detail, csrfToken)}
${numbers(detail)}
${chart(detail, now)}
${failures(detail)}
${rollout(detail)}
${queue(detail)}`;
}

/** Downloads and the campaign's file: what does not change while the page is open. */
export function campaignRest(id: string, file: FileView): SafeHtml {
  const href = campaignHref(id);
  const where = file.problem === null ? 'unchanged since submit: retry-failed and the failed-only report can read its rows' : `${file.problem}: retry-failed and the failed-only report cannot read its rows`;
  return html`<h2>Report</h2>
<p><a href="${href}/report.csv" download>every row (CSV)</a> · <a href="${href}/report.csv?failed-only=1" download>failed rows only (CSV)</a></p>
<h2>File</h2>
<dl class="facts"><dt>path</dt><dd>${file.path}</dd><dt>size</dt><dd>${file.size === null ? '-' : `${file.size} bytes`}</dd><dt>modified</dt><dd>${time(file.modifiedAt)}</dd><dt>state</dt><dd>${where}</dd></dl>
${file.firstLines.length === 0 ? null : html`<p class="muted">its first lines, as they are in the file:</p><pre class="file-head">${file.firstLines.join('\n')}</pre>`}`;
}
