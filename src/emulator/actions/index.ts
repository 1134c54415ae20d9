import { batchPubAction } from './batch-pub.js';
import type { ActionHandler } from './common.js';
import { pubAction } from './pub.js';
import { pubBroadcastAction } from './pub-broadcast.js';

/** The API actions the emulator serves, by `Action` name. */
export const ACTIONS: ReadonlyMap<string, ActionHandler> = new Map([
  ['Pub', pubAction],
  ['BatchPub', batchPubAction],
  ['PubBroadcast', pubBroadcastAction],
]);

export type { ActionContext, ActionHandler, ActionPlan, QuotaName } from './common.js';
