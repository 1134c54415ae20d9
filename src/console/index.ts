export { consoleAuthFrom } from './access.js';
export type { CampaignSummary, ConsoleViews } from './campaign-summary.js';
export { startConsole, type ConsoleOptions, type RunningConsole } from './console-server.js';
