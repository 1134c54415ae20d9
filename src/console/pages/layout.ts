import { html, type SafeHtml } from '../html.js';

export type Section = 'campaigns' | 'schedules' | 'workers';

/** A message shown above the page after an action: what was done, or why it was not. */
export interface Flash {
  readonly kind: 'done' | 'error';
  readonly text: string;
}

export interface PageParts {
  readonly title: string;
  readonly section: Section;
  readonly readOnly: boolean;
  /** Where the script fetches the live part again, once a second. */
  readonly liveUrl: string;
  readonly live: SafeHtml;
  /** What does not change while the page is open (downloads, the campaign's file). */
  readonly rest?: SafeHtml;
  readonly flash?: Flash | undefined;
}

const SECTIONS: ReadonlyArray<readonly [Section, string, string]> = [
  ['campaigns', 'Campaigns', '/'],
  ['schedules', 'Schedules', '/schedules'],
  ['workers', 'Workers and cap', '/workers'],
];

export function page(parts: PageParts): string {
  const nav = SECTIONS.map(([section, label, href]) => html`<a href="${href}" class="${section === parts.section ? 'here' : ''}">${label}</a>`);
  const flash = parts.flash === undefined ? null : html`<div class="flash ${parts.flash.kind === 'error' ? 'error' : ''}" role="status">${parts.flash.text}</div>`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title} · fleetcast console</title><link rel="stylesheet" href="/assets/console.css"></head>
<body><header><span class="brand">fleetcast</span>${nav}<span class="mode">${parts.readOnly ? 'read-only' : ''}</span></header>
<main>${flash}<div data-live="${parts.liveUrl}">${parts.live}</div>${parts.rest}</main>
<script src="/assets/console.js"></script></body></html>`.text}`;
}

/** `12s ago`, `3m ago`. */
export function ago(then: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

export function time(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
