import type { Request } from 'express';
import type { CampaignStore } from '../queue/campaign-store.js';
import { retryFailed } from '../queue/retry-failed.js';
import { CAMPAIGN_ACTIONS, type CampaignAction } from './pages/campaign-page.js';
import type { Flash } from './pages/layout.js';

/** What the page says after an action, once the browser followed the redirect to the campaign's page. */
const DONE_TEXT: Readonly<Record<CampaignAction, string>> = {
  pause: 'Paused: every worker stops sending its rows within a second.',
  resume: 'Resumed: the workers send its rows again.',
  cancel: 'Cancelled: its rows not yet sent end cancelled.',
  'retry-failed': 'failed rows queued again.',
};

export function isAction(action: string): action is CampaignAction {
  return (CAMPAIGN_ACTIONS as readonly string[]).includes(action);
}

/** Runs one action; returns the rows retry-failed queued again. */
export async function act(store: CampaignStore, id: string, action: CampaignAction): Promise<number | undefined> {
  if (action === 'retry-failed') return (await retryFailed(store, id)).requeued;
  await store.control(id, action);
  return undefined;
}

export function doneFlash(request: Request): Flash | undefined {
  const did = request.query.did;
  if (typeof did !== 'string' || !isAction(did)) return undefined;
  if (did !== 'retry-failed') return { kind: 'done', text: DONE_TEXT[did] };
  const rows = Number(request.query.rows);
  return { kind: 'done', text: Number.isSafeInteger(rows) && rows > 0 ? `${rows} ${DONE_TEXT[did]}` : 'No failed rows: nothing queued.' };
}
