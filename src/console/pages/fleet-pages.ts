import type { SeenWorker } from '../../limiter/shared-cap.js';
import type { SchedulesView, WorkersView } from '../console-reader.js';
import { html, type SafeHtml } from '../html.js';
import { campaignHref } from './campaigns-page.js';
import { ago } from './layout.js';

export function schedulesLive(view: SchedulesView): SafeHtml {
  if (view.rows.length === 0) return html`<h1>Schedules</h1><p class="muted">No recurring schedules: <code>fleetcast submit FILE --cron PATTERN --name NAME</code> makes one.</p>`;
  return html`<h1>Schedules</h1>
<table><thead><tr>${view.columns.map((column) => html`<th>${column}</th>`)}</tr></thead>
<tbody>${view.rows.map((row) => html`<tr>${view.columns.map((column) => html`<td>${row[column] ?? ''}</td>`)}</tr>`)}</tbody></table>`;
}

/** The campaigns whose queue has a worker named `host:pid`; undefined when no queue worker carries a name. */
function campaignsHeld(view: WorkersView): ((host: string, pid: number) => string[]) | undefined {
  if (view.queues.every((queue) => queue.workerNames.length === 0)) return undefined;
  return (host, pid) => view.queues.filter((queue) => queue.workerNames.includes(`${host}:${pid}`)).map((queue) => queue.id);
}

function accounts(view: WorkersView, now: number): SafeHtml {
  if (view.accounts.length === 0) return html`<h2>Account cap</h2><p class="muted">No account cap stored yet: the first worker stores its FLEETCAST_RATE.</p>`;
  const heldBy = campaignsHeld(view);
  const workerRow = (worker: SeenWorker): SafeHtml =>
    html`<tr data-worker="${worker.host}:${worker.pid}"><td>${worker.host}</td><td class="num">${worker.pid}</td>${
      heldBy === undefined ? null : html`<td data-campaigns-held>${heldBy(worker.host, worker.pid).join(', ') || '-'}</td>`
    }<td class="num">${worker.startedWith}</td><td>${ago(worker.seenAt, now)}</td></tr>`;
  return html`${view.accounts.map(
    (account) => html`<h2>Account <code>${account.account}</code></h2>
<dl class="facts"><dt>shared cap</dt><dd data-fact="cap">${account.cap} calls/s</dd><dt>rate now</dt><dd>${Math.round(account.rate)} calls/s (adaptive, under the cap)</dd>
<dt>set</dt><dd>${account.setAt === undefined ? '-' : `${ago(account.setAt, now)} by ${account.setBy ?? '-'}`}</dd></dl>
${
  account.workers.length === 0
    ? html`<p class="muted">No worker seen in the last 5 seconds.</p>`
    : html`<table><thead><tr><th>host</th><th>pid</th>${heldBy === undefined ? null : html`<th>campaigns held</th>`}<th>started with FLEETCAST_RATE</th><th>last seen</th></tr></thead><tbody>${account.workers.map(workerRow)}</tbody></table>`
}`,
  )}`;
}

function held(view: WorkersView): SafeHtml {
  if (view.queues.length === 0) return html`<h2>Campaigns held</h2><p class="muted">No active campaign.</p>`;
  return html`<h2>Campaigns held</h2>
<table><thead><tr><th>campaign</th><th>worker processes holding it</th><th>chunks in progress</th><th>waiting</th><th>delayed</th></tr></thead>
<tbody>${view.queues.map(
    (queue) =>
      html`<tr data-held="${queue.id}"><td><a href="${campaignHref(queue.id)}">${queue.id}</a></td><td class="num">${queue.workers}</td><td class="num">${queue.active}</td><td class="num">${queue.waiting}</td><td class="num">${queue.delayed}</td></tr>`,
  )}</tbody></table>`;
}

export function workersLive(view: WorkersView, now: number): SafeHtml {
  return html`<h1>Workers and the account cap</h1>${accounts(view, now)}${held(view)}`;
}
